#include "engine/speed.h"

#include <fmt/format.h>

namespace kc::engine {

namespace {

double rate(double amount, double ms, double unit) { return ms > 0 ? amount / (ms * 1e-3) / unit : 0; }

}  // namespace

const Arithmetic& arithmetic(exercises::Math math) {
    static const Arithmetic fp32{"fp32", "fp32", "TF32 off", 1, &wire::Device::peak_fp32_tflops,
                                 &SpeedOfLight::fp32_tflops};
    static const Arithmetic bf16{"bf16", "bf16 tensor-core", "fp32 accumulation", 0, &wire::Device::peak_bf16_tflops,
                                 &SpeedOfLight::bf16_tflops};
    return math == exercises::Math::kBf16 ? bf16 : fp32;
}

Speed speed_of(const wire::Timing& t, double bytes, double flops, const wire::Device* device,
               const SpeedOfLight* light, exercises::Math math) {
    Speed s;
    s.bytes = bytes;
    s.flops = flops;
    s.gbps = rate(bytes, t.kernel_ms, 1e9);
    s.tflops = rate(flops, t.kernel_ms, 1e12);
    s.vendor_gbps = rate(bytes, t.vendor_ms, 1e9);
    s.vendor_tflops = rate(flops, t.vendor_ms, 1e12);
    s.intensity = bytes > 0 ? flops / bytes : 0;
    s.percent_of_copy = t.kernel_ms > 0 && t.copy_ms > 0 ? 100.0 * t.copy_ms / t.kernel_ms : 0;
    s.vendor_ratio = t.kernel_ms > 0 && t.vendor_ms > 0 ? t.vendor_ms / t.kernel_ms : 0;
    s.unfused_ratio = t.unfused && t.kernel_ms > 0 && t.unfused->ms > 0 ? t.unfused->ms / t.kernel_ms : 0;

    // The measured speed of light when there is one, else the data sheet's peaks.
    const Arithmetic& a = arithmetic(math);
    const double light_compute = light ? light->*a.light_tflops : 0;
    const double peak_compute = device ? device->*a.peak_tflops : 0;
    const bool measured = light && light->copy_gbps > 0 && light_compute > 0;
    const double mem = measured ? light->copy_gbps : device ? device->peak_gbps : 0;
    const double compute = measured ? light_compute : peak_compute;
    if (mem <= 0 || compute <= 0) {  // nothing known of the device: the copy of the same bytes
        s.light_name = "a copy of the same bytes";
        s.percent_of_light = s.percent_of_copy;
        return s;
    }
    s.light_measured = measured;
    s.balance = compute * 1e12 / (mem * 1e9);
    s.compute_bound = bytes > 0 && s.intensity > s.balance;
    if (s.compute_bound) {
        s.light = compute;
        s.light_name = measured ? fmt::format("the {} cuBLAS GEMM ({:.{}f} TFLOP/s, {})", a.name, compute, a.digits,
                                              a.gemm_note)
                                : fmt::format("the {} peak ({:.{}f} TFLOP/s)", a.peak_name, compute, a.digits);
        s.percent_of_light = 100.0 * s.tflops / compute;
        s.vendor_percent_of_light = 100.0 * s.vendor_tflops / compute;
    } else {
        s.light = mem;
        s.light_name = measured ? fmt::format("a {:.0f} MiB device-to-device copy ({:.0f} GB/s)",
                                              light->copy_bytes / 1048576.0, mem)
                                : fmt::format("the DRAM peak ({:.0f} GB/s)", mem);
        s.percent_of_light = 100.0 * s.gbps / mem;
        s.vendor_percent_of_light = 100.0 * s.vendor_gbps / mem;
    }
    return s;
}

grade::SmLimits sm_limits(const wire::Device& d) {
    grade::SmLimits l;
    if (d.max_threads_per_sm) l.max_threads_per_sm = d.max_threads_per_sm;
    if (d.max_blocks_per_sm) l.max_blocks_per_sm = d.max_blocks_per_sm;
    if (d.regs_per_sm) l.regs_per_sm = d.regs_per_sm;
    l.shared_per_sm = d.shared_per_sm;
    l.reserved_shared_per_block = d.reserved_shared_per_block;
    return l;
}

}  // namespace kc::engine
