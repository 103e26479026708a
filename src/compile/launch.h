// Launch geometry as the learner's constexpr launch() returns it (mirrors kernelcoach.h).
#pragma once

#include <cstdint>
#include <string>

#include "compile/device_constants.h"

namespace kc {

struct Dim3 {
    uint32_t x = 1, y = 1, z = 1;
    uint64_t volume() const { return uint64_t(x) * y * z; }
};

// The same layout as kernelcoach.h's Launch: read_launches copies the bytes NVRTC wrote for it.
struct Launch {
    Dim3 grid;
    Dim3 block;
    uint32_t shared_bytes = 0;
    Dim3 cluster;  // blocks per thread-block cluster; 1 x 1 x 1: a plain launch
    bool clustered() const { return cluster.volume() != 1; }
};
static_assert(sizeof(Launch) == 40, "kernelcoach.h's Launch is 40 bytes: 10 unsigned ints");

// Blocks per cluster without the non-portable attribute, and at most with it (the H100's 16).
inline constexpr uint64_t kPortableClusterBlocks = 8;
inline constexpr uint64_t kMaxClusterBlocks = 16;

// Device-independent launch limits (every GPU since compute capability 3.0), and the shape of
// a cluster (it divides the grid, at most 16 blocks). Returns a sentence for the learner, or
// empty when the geometry is legal.
std::string launch_problem(const Launch& l);

// launch_problem, and what needs a newer GPU than compute capability `sm` (clusters: 9.0).
std::string launch_problem_on(const Launch& l, int sm);

// Without a GPU: launch_problem_on the target, and dynamic shared memory beyond the target's
// kc::device.shared_per_block_optin (the probed GPU's, or the architecture's defaults).
std::string launch_problem_for(const Launch& l, const compile::DeviceConstants& d);

// Device-dependent limits: launch_problem_on, `max_threads` for this kernel (registers may
// lower it below 1024) and the largest dynamic shared memory the device allows per block.
std::string launch_problem_on_device(const Launch& l, int sm, int max_threads, size_t max_shared);

// "grid (3907, 1, 1) x block (256, 1, 1), 0 B shared", and ", cluster (2, 1, 1)" when clustered.
std::string describe(const Launch& l);

}  // namespace kc
