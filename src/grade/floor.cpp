#include "grade/floor.h"

#include <fmt/format.h>

namespace kc::grade {

double floor_ms(double bytes, double peak_gbps) {
    return peak_gbps > 0 ? bytes / (peak_gbps * 1e9) * 1e3 : 0;
}

std::string below_floor(double kernel_ms, double bytes, double peak_gbps, double flops, double peak_tflops) {
    // The compute floor: the fp32 FMA peak at the device's boost clock (a 2% allowance as for
    // memory; tensor cores are not fp32 and every exercise here is fp32).
    const double compute = peak_tflops > 0 ? flops / (peak_tflops * 1e12) * 1e3 : 0;
    if (compute > 0 && kernel_ms < 0.98 * compute)
        return fmt::format("the timed kernel took {:.1f} us, below the physical floor of {:.1f} us ({:.2f} GFLOP at the "
                           "fp32 peak of {:.1f} TFLOP/s): it cannot have done all its work while timed",
                           kernel_ms * 1e3, compute * 1e3, flops / 1e9, peak_tflops);
    const double floor = floor_ms(bytes, peak_gbps);
    if (floor <= 0 || kernel_ms >= 0.98 * floor) return {};
    return fmt::format("the timed kernel took {:.1f} us, below the physical floor of {:.1f} us ({:.0f} MB at the "
                       "memory's peak of {:.0f} GB/s): it cannot have done all its work while timed",
                       kernel_ms * 1e3, floor * 1e3, bytes / 1e6, peak_gbps);
}

}  // namespace kc::grade
