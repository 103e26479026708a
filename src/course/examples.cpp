#include "course/examples.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace kc::course {

namespace fs = std::filesystem;

std::string examples_rel_dir(const Module& m) { return m.is_part() ? "examples/" + m.part : "examples"; }

std::string step_name(const std::string& file_name) {
    std::string stem = file_name;
    if (stem.size() > 3 && stem.compare(stem.size() - 3, 3, ".cu") == 0) stem.resize(stem.size() - 3);
    // The leading number and the name apart, as a person says it: "03 smem-tile".
    size_t digits = 0;
    while (digits < stem.size() && std::isdigit(static_cast<unsigned char>(stem[digits]))) ++digits;
    if (digits == 0 || digits == stem.size()) return stem;
    size_t rest = digits;
    while (rest < stem.size() && (stem[rest] == '-' || stem[rest] == '_')) ++rest;
    return rest == stem.size() ? stem.substr(0, digits) : stem.substr(0, digits) + " " + stem.substr(rest);
}

bool has_examples(const Module& m) { return fs::is_directory(m.dir / examples_rel_dir(m)); }

Result<std::vector<Example>> examples(const Module& m) {
    const std::string rel = examples_rel_dir(m);
    const fs::path dir = m.dir / rel;
    if (!fs::is_directory(dir))
        return make_error(fmt::format("{} has no {}/ folder, so there are no worked examples to bench", m.id, rel),
                          fmt::format("a ladder of examples is {}/{}/NN-name.cu, naive to optimised", m.rel_dir, rel));
    std::vector<Example> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const auto name = e.path().filename().string();
        if (e.is_regular_file() && e.path().extension() == ".cu") out.push_back({step_name(name), e.path(), rel + "/" + name});
    }
    if (ec) return make_error(fmt::format("cannot read {}/{}: {}", m.rel_dir, rel, ec.message()));
    if (out.empty()) return make_error(fmt::format("{}/{}/ holds no .cu file", m.rel_dir, rel));
    std::sort(out.begin(), out.end(), [](const Example& a, const Example& b) { return a.rel < b.rel; });
    return out;
}

}  // namespace kc::course
