// What the debug kit (kc/debug.cuh, compile/debug_kit.h) records on the GPU, and the sentence
// a report makes of it. Pure: the worker copies the record back and names the buffers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kc::grade {

// The device's kc::debug_detail::Record, byte for byte.
struct DebugRecord {
    uint32_t claimed = 0;   // 0: nothing happened
    int32_t kind = 0;       // 1: kc::at out of range; 2: KC_ASSERT failed
    int32_t line = 0;
    uint32_t block[3] = {};
    uint32_t thread[3] = {};
    uint32_t element_bytes = 0;
    int64_t index = 0, n = 0;
    uint64_t pointer = 0;
    uint64_t events = 0;
    char message[128] = {};
    char condition[128] = {};
};
static_assert(sizeof(DebugRecord) == 328, "DebugRecord must match kc/debug.cuh's Record");

// A buffer of the case, to name the pointer kc::at was given.
struct NamedBuffer {
    std::string name;
    uint64_t address = 0;
    uint64_t bytes = 0;
};

// "kc::at(`in` + 140, 70, 70) at kernel.cu:57, in thread (6, 1, 0) of block (2, 0, 0): index 70
// is outside 0 to 69; kc::at used a stand-in element instead (the first of 38 in this launch)"; "" when the
// record holds nothing. `source` names the file ("kernel.cu").
std::string describe(const DebugRecord& r, const std::vector<NamedBuffer>& buffers, const std::string& source);

}  // namespace kc::grade
