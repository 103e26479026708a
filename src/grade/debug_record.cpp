#include "grade/debug_record.h"

#include <fmt/format.h>

#include <cstring>

namespace kc::grade {

namespace {

std::string text_of(const char (&s)[128]) { return std::string(s, strnlen(s, sizeof s)); }

// "`in`", "`in` + 140" (elements), or the address when it is in no buffer of the case.
std::string pointer_text(const DebugRecord& r, const std::vector<NamedBuffer>& buffers) {
    for (const auto& b : buffers) {
        if (r.pointer < b.address || r.pointer > b.address + b.bytes) continue;
        const uint64_t offset = r.pointer - b.address;
        if (offset == 0) return fmt::format("`{}`", b.name);
        if (r.element_bytes > 0 && offset % r.element_bytes == 0)
            return fmt::format("`{}` + {}", b.name, offset / r.element_bytes);
        return fmt::format("`{}` + {} bytes", b.name, offset);
    }
    return fmt::format("a pointer to 0x{:x}, in no buffer of this case", r.pointer);
}

std::string range_text(int64_t n) {
    if (n <= 0) return fmt::format("outside the empty range n = {}", n);
    if (n == 1) return "outside 0 to 0 (n = 1)";
    return fmt::format("outside 0 to {}", n - 1);
}

std::string how_many(uint64_t events) {
    return events > 1 ? fmt::format(" (the first of {} in this launch)", events) : std::string();
}

}  // namespace

std::string describe(const DebugRecord& r, const std::vector<NamedBuffer>& buffers, const std::string& source) {
    if (!r.claimed) return {};
    const std::string where = fmt::format("at {}:{}, in thread ({}, {}, {}) of block ({}, {}, {})", source, r.line,
                                          r.thread[0], r.thread[1], r.thread[2], r.block[0], r.block[1], r.block[2]);
    if (r.kind == 1)
        return fmt::format("kc::at({}, {}, {}) {}: index {} is {}; kc::at used a stand-in element instead{}", pointer_text(r, buffers),
                           r.index, r.n, where, r.index, range_text(r.n), how_many(r.events));
    if (r.kind == 2) {
        const std::string message = text_of(r.message);
        return fmt::format("KC_ASSERT({}) failed {}{}; that thread returned{}", text_of(r.condition), where,
                           message.empty() ? "" : ": \"" + message + "\"", how_many(r.events));
    }
    return fmt::format("the debug kit recorded an event of unknown kind {} {}", r.kind, where);
}

}  // namespace kc::grade
