#include "compile/arch.h"

#include <fmt/format.h>

namespace kc::compile {

namespace {

// The arch-specific targets a module may declare. A cubin for sm_90a runs on compute
// capability 9.0 only, one for sm_100a on 10.0 only.
constexpr SpecificTarget kSpecific[] = {
    {90, "H100/H200", "wgmma and setmaxnreg"},
    {100, "B200/GB200", "tcgen05 and tensor memory"},
};

}  // namespace

Result<Arch> parse_arch(const std::string& text) {
    std::string s = text.rfind("sm_", 0) == 0 ? text.substr(3) : text;
    Arch a;
    if (!s.empty() && s.back() == 'a') {
        a.specific = true;
        s.pop_back();
    }
    if (s.empty() || s.size() > 3 || s.find_first_not_of("0123456789") != std::string::npos)
        return make_error(fmt::format("'{}' is not an architecture: write it like sm_90, 90, sm_90a or 90a", text));
    a.sm = std::stoi(s);
    if (a.specific && a.sm < 90)
        return make_error(fmt::format("'{}': arch-specific targets (the `a`) start at sm_90a", text));
    return a;
}

std::string arch_name(const Arch& a) { return fmt::format("sm_{}{}", a.sm, a.specific ? "a" : ""); }

const SpecificTarget* specific_target(int sm) {
    for (const auto& t : kSpecific)
        if (t.sm == sm) return &t;
    return nullptr;
}

Result<int> file_arch(const std::string& text) {
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        start = end + 1;
        const size_t p = line.find_first_not_of(" \t");
        if (p == std::string::npos || line.compare(p, 2, "//") != 0) continue;
        const size_t body = line.find_first_not_of(" \t", p + 2);
        if (body == std::string::npos || line.compare(body, 5, "arch:") != 0) continue;
        std::string name = line.substr(body + 5);
        name.erase(0, name.find_first_not_of(" \t"));
        name.erase(name.find_last_not_of(" \t\r") + 1);
        auto a = parse_arch(name);
        if (!a || !a->specific || !specific_target(a->sm))
            return make_error(fmt::format("`// arch: {}` names no arch-specific target kernelcoach knows (sm_90a, "
                                          "sm_100a)",
                                          name));
        return a->sm;
    }
    return 0;
}

}  // namespace kc::compile
