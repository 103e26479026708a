// A 128-bit content hash (two FNV-1a 64 lanes), as hex. For cache keys and source identity,
// not for security.
#pragma once

#include <string>
#include <string_view>

namespace kc {

class Hasher {
public:
    Hasher& add(std::string_view bytes);
    Hasher& field(std::string_view bytes);  // length-prefixed, so ("ab","c") != ("a","bc")
    std::string hex() const;

private:
    unsigned long long a_ = 0xcbf29ce484222325ull;
    unsigned long long b_ = 0x84222325cbf29ce4ull;
};

std::string hash_hex(std::string_view bytes);

}  // namespace kc
