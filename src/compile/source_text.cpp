#include "compile/source_text.h"

#include <fmt/format.h>

namespace kc::compile {

namespace {

bool continuation(std::string_view s, size_t i) {
    return i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80;
}

// The length of the UTF-8 character at s[i], or 0 when the bytes there are not one (or are NUL).
size_t char_length(std::string_view s, size_t i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0) return 0;
    if (c < 0x80) return 1;
    size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (n == 0) return 0;
    // The second byte's narrower ranges rule out overlong forms, surrogates and > U+10FFFF.
    const unsigned char second = i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : 0;
    if ((c == 0xE0 && second < 0xA0) || (c == 0xED && second > 0x9F) || (c == 0xF0 && second < 0x90) ||
        (c == 0xF4 && second > 0x8F))
        return 0;
    for (size_t k = 1; k < n; ++k)
        if (!continuation(s, i + k)) return 0;
    return n;
}

// The line as it can be shown: every byte that is not valid UTF-8 becomes '?'.
std::string with_marks(std::string_view line) {
    std::string out;
    for (size_t i = 0; i < line.size();) {
        const size_t n = char_length(line, i);
        out += n ? line.substr(i, n) : std::string_view("?");
        i += n ? n : 1;
    }
    return out;
}

}  // namespace

std::string strip_bom(std::string text) {
    if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
    return text;
}

std::optional<BadByte> find_bad_byte(std::string_view text) {
    int line = 1, column = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < text.size();) {
        const size_t n = char_length(text, i);
        if (n == 0) {
            const size_t end = text.find('\n', i);
            return BadByte{line, column, static_cast<unsigned char>(text[i]),
                           with_marks(text.substr(line_start, end == std::string_view::npos ? end : end - line_start))};
        }
        if (text[i] == '\n') {
            ++line;
            column = 1;
            line_start = i + 1;
        } else {
            ++column;
        }
        i += n;
    }
    return std::nullopt;
}

std::string describe(const BadByte& b) {
    if (b.byte == 0)
        return "a NUL byte (0x00), invisible in most editors: NVRTC stops reading the file there; delete it";
    if (b.byte == 0xFF)
        return "byte 0xFF is not UTF-8, and NVRTC stops reading the file there; delete it, or save the file as UTF-8";
    return fmt::format("byte 0x{:02X} is not UTF-8: save the file as UTF-8 (or delete the character)", b.byte);
}

bool is_blank(std::string_view text) { return text.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos; }

std::string size_text(size_t bytes) {
    if (bytes >= 1000 * 1000) return fmt::format("{:.1f} MB", bytes / 1e6);
    if (bytes >= 1000) return fmt::format("{:.0f} KB", bytes / 1e3);
    return fmt::format("{} B", bytes);
}

}  // namespace kc::compile
