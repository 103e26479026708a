// The physical floor of a measured time: a kernel cannot move its bytes faster than the
// memory's peak bandwidth. A time below it is an error (work skipped while timed, a broken
// timer), never a record.
#pragma once

#include <string>

namespace kc::grade {

// The least time `bytes` can take at `peak_gbps` (GB/s), in milliseconds.
double floor_ms(double bytes, double peak_gbps);

// A sentence when `kernel_ms` is below the floor (with 2% for timer resolution), else "".
// Also below `flops` at `peak_tflops` when those are given; `peak_name` says which peak that is
// ("fp32", "bf16 tensor-core").
std::string below_floor(double kernel_ms, double bytes, double peak_gbps, double flops = 0, double peak_tflops = 0,
                        const char* peak_name = "fp32");

// Dense bf16 tensor-core flops per clock and SM, with fp32 accumulation, by architecture: an
// upper bound for the compute floor (where a part halves the rate with fp32 accumulation, as
// GeForce parts do, the full rate), 0 where there are none (before sm_80) or the architecture
// is unknown (then no compute floor applies).
int bf16_tensor_flops_per_clock(int sm);

}  // namespace kc::grade
