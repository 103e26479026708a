// Launch geometry as the learner's constexpr launch() returns it (mirrors kernelcoach.h).
#pragma once

#include <cstdint>
#include <string>

namespace kc {

struct Dim3 {
    uint32_t x = 1, y = 1, z = 1;
    uint64_t volume() const { return uint64_t(x) * y * z; }
};

struct Launch {
    Dim3 grid;
    Dim3 block;
    uint32_t shared_bytes = 0;
};

// Device-independent launch limits (every GPU since compute capability 3.0). Returns a
// sentence for the learner, or empty when the geometry is legal.
std::string launch_problem(const Launch& l);

// Device-dependent limits: `max_threads` for this kernel (registers may lower it below 1024)
// and the largest dynamic shared memory the device allows per block.
std::string launch_problem_on_device(const Launch& l, int max_threads, size_t max_shared);

std::string describe(const Launch& l);  // "grid (3907, 1, 1) x block (256, 1, 1), 0 B shared"

}  // namespace kc
