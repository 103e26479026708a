#include "util/hash.h"

#include <fmt/format.h>

namespace kc {

Hasher& Hasher::add(std::string_view bytes) {
    for (unsigned char c : bytes) {
        a_ = (a_ ^ c) * 0x100000001b3ull;
        b_ = (b_ ^ static_cast<unsigned char>(c + 0x5b)) * 0x100000001b3ull;
        b_ ^= b_ >> 29;
    }
    return *this;
}

Hasher& Hasher::field(std::string_view bytes) {
    add(std::to_string(bytes.size()));
    add(":");
    return add(bytes);
}

std::string Hasher::hex() const { return fmt::format("{:016x}{:016x}", a_, b_); }

std::string hash_hex(std::string_view bytes) { return Hasher().add(bytes).hex(); }

}  // namespace kc
