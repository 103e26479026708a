#include "grade/floor.h"

#include <fmt/format.h>

namespace kc::grade {

double floor_ms(double bytes, double peak_gbps) {
    return peak_gbps > 0 ? bytes / (peak_gbps * 1e9) * 1e3 : 0;
}

std::string below_floor(double kernel_ms, double bytes, double peak_gbps, double flops, double peak_tflops,
                        const char* peak_name) {
    // The compute floor: the exercise's arithmetic at its peak at the device's boost clock (a 2%
    // allowance as for memory).
    const double compute = peak_tflops > 0 ? flops / (peak_tflops * 1e12) * 1e3 : 0;
    if (compute > 0 && kernel_ms < 0.98 * compute)
        return fmt::format("the timed kernel took {:.1f} us, below the physical floor of {:.1f} us ({:.2f} GFLOP at the "
                           "{} peak of {:.1f} TFLOP/s): it cannot have done all its work while timed",
                           kernel_ms * 1e3, compute * 1e3, flops / 1e9, peak_name, peak_tflops);
    const double floor = floor_ms(bytes, peak_gbps);
    if (floor <= 0 || kernel_ms >= 0.98 * floor) return {};
    return fmt::format("the timed kernel took {:.1f} us, below the physical floor of {:.1f} us ({:.0f} MB at the "
                       "memory's peak of {:.0f} GB/s): it cannot have done all its work while timed",
                       kernel_ms * 1e3, floor * 1e3, bytes / 1e6, peak_gbps);
}

int bf16_tensor_flops_per_clock(int sm) {
    // Dense, per SM and clock (data sheets' dense bf16 TFLOP/s over SMs x boost clock):
    // A100 312 / (108 x 1.41 GHz) = 2048; A10/RTX 30x0 and Ada (sm_86, 89) and Orin (sm_87) at
    // most 1024 (GeForce halves it with fp32 accumulation); H100 989 / (132 x 1.83) = 4096;
    // B200 (sm_100, 103) and Thor (sm_110) 8192; RTX 50x0 (sm_120, 121) at most 1024.
    switch (sm) {
        case 80: return 2048;
        case 86: case 87: case 88: case 89: return 1024;
        case 90: return 4096;
        case 100: case 103: case 110: return 8192;
        case 120: case 121: return 1024;
        default: return 0;
    }
}

}  // namespace kc::grade
