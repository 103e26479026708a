// The bytes of a kernel file, checked before NVRTC sees them: NVRTC stops reading at a NUL or a
// 0xFF byte without a word, and takes a UTF-8 byte-order mark for a token.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace kc::compile {

// kernel.cu files are a few KB; a file past this is refused before NVRTC spends minutes on it.
inline constexpr size_t kMaxSourceBytes = 1 << 20;

// `text` without a leading UTF-8 byte-order mark (EF BB BF), which nvcc ignores too.
std::string strip_bom(std::string text);

// A byte that is NUL or not part of valid UTF-8, where an editor shows it: 1-based line and
// column, the column counted in characters.
struct BadByte {
    int line = 0;
    int column = 0;
    unsigned char byte = 0;
    std::string line_text;  // that line, each bad byte shown as '?'
};
std::optional<BadByte> find_bad_byte(std::string_view text);

// What is wrong with the bad byte, in the learner's words.
std::string describe(const BadByte& b);

// Nothing but white space.
bool is_blank(std::string_view text);

// "5.8 MB", "912 KB", "17 B"
std::string size_text(size_t bytes);

}  // namespace kc::compile
