// The physical floor of a measured time: a kernel cannot move its bytes faster than the
// memory's peak bandwidth. A time below it is an error (work skipped while timed, a broken
// timer), never a record.
#pragma once

#include <string>

namespace kc::grade {

// The least time `bytes` can take at `peak_gbps` (GB/s), in milliseconds.
double floor_ms(double bytes, double peak_gbps);

// A sentence when `kernel_ms` is below the floor (with 2% for timer resolution), else "".
// Also below `flops` at `peak_tflops` (fp32) when those are given.
std::string below_floor(double kernel_ms, double bytes, double peak_gbps, double flops = 0, double peak_tflops = 0);

}  // namespace kc::grade
