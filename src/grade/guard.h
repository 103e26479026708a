// The sentence for a write outside a buffer, from what the guard zones saw.
#pragma once

#include <cstddef>
#include <string>

namespace kc::grade {

struct GuardWrite {
    std::string buffer;        // the parameter's name, "out"
    bool before = false;       // below the start rather than past the end
    size_t first_offset = 0;   // bytes from the edge to the nearest changed byte (0 = adjacent)
    size_t last_offset = 0;    // ... to the farthest
    size_t element_bytes = 4;
    size_t elements = 0;       // the buffer's length
};

// "the kernel wrote past the end of `out`: elements 1000 to 1023 of a buffer of 1000 (up to 96
//  bytes past its end); is a bounds check missing?"
std::string describe(const GuardWrite& g);

}  // namespace kc::grade
