#include "course/starters.h"

#include "util/atomic_file.h"
#include "util/hash.h"

namespace kc::course {

namespace fs = std::filesystem;

fs::path starter_copy_path(const Course& c, const Module& m) {
    return c.root / ".kernelcoach" / "starters" / m.track / m.folder / m.kernel_file();
}

namespace {

// kernel.cu, when it is the untouched starter.
std::optional<std::string> untouched_text(const Module& m) {
    if (m.manifest.starter_hash.empty()) return std::nullopt;
    auto text = read_file(m.kernel_path());
    if (!text || hash_hex(*text) != m.manifest.starter_hash) return std::nullopt;
    return std::move(*text);
}

}  // namespace

bool is_untouched(const Module& m) { return untouched_text(m).has_value(); }

Result<int> remember_starters(const Course& c) {
    int saved = 0;
    for (const auto& m : c.modules) {
        if (m.manifest.starter_hash.empty()) continue;
        fs::path copy = starter_copy_path(c, m);
        if (fs::exists(copy)) continue;
        auto text = untouched_text(m);
        if (!text) continue;
        if (auto s = write_file_atomic(copy, *text); !s) return s.error();
        ++saved;
    }
    return saved;
}

std::optional<std::string> pristine_starter(const Course& c, const Module& m) {
    if (m.manifest.starter_hash.empty()) return std::nullopt;
    for (const fs::path& p : {starter_copy_path(c, m), m.kernel_path()})
        if (auto text = read_file(p); text && hash_hex(*text) == m.manifest.starter_hash) return *text;
    return std::nullopt;
}

}  // namespace kc::course
