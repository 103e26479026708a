#include "worker/calibrate.h"

#include <fmt/format.h>

#include <chrono>

#include "gpu/buffer.h"
#include "gpu/versions.h"
#include "progress/store.h"
#include "reference/cublas.h"

namespace kc::worker {

namespace {

using Precision = reference::Cublas::Precision;

// The median of repeated runs of `run`, cold L2, until the standard error is 0.5% (at most 1 s).
Result<double> median_ms(gpu::Timer& timer, const gpu::Timed& run) {
    grade::StopRule rule;
    rule.max_seconds = 1.0;
    gpu::TimingFailure fail;
    gpu::TimingMethod method;
    auto s = timer.run({run}, 2, rule, grade::BatchRule{}, 1, true, &fail, &method);
    if (!s) return s.error();
    return (*s)[0].median;
}

}  // namespace

Result<engine::SpeedOfLight> calibrate(const gpu::DeviceInfo& device, const gpu::Utility& util, gpu::Timer& timer,
                                       cudaStream_t stream) {
    const auto t0 = std::chrono::steady_clock::now();
    engine::SpeedOfLight sol;
    sol.uuid = device.uuid;
    sol.driver_version = device.driver_version;
    sol.device = device.name;
    sol.measured_at = progress::now_utc_iso8601();

    // Copy: 1 GiB one way (an eighth of memory on a small GPU), filled so it is not zeros.
    {
        const size_t bytes = std::min<size_t>(size_t{1} << 30, device.memory_bytes / 8) / 256 * 256;
        auto src = gpu::DeviceBuffer::create("copy-src", bytes);
        if (!src) return src.error();
        auto dst = gpu::DeviceBuffer::create("copy-dst", bytes);
        if (!dst) return dst.error();
        if (auto s = util.fill_garbage(src->data(), bytes, 0x5eedu, stream); !s) return s.error();
        auto ms = median_ms(timer, [&](cudaStream_t st, size_t) {
            return cudaMemcpyAsync(dst->data(), src->data(), bytes, cudaMemcpyDeviceToDevice, st);
        });
        if (!ms) return ms.error();
        sol.copy_bytes = static_cast<double>(bytes);
        sol.copy_gbps = 2.0 * static_cast<double>(bytes) / (*ms * 1e-3) / 1e9;
    }

    // GEMMs: n = 8192 (smaller when memory is short), random data (never zeros: a tensor core
    // multiplying zeros draws less power and runs faster).
    auto cublas = reference::Cublas::create(stream);
    if (!cublas) return cublas.error();
    int n = 8192;
    while (n > 1024 && 3.0 * n * n * 4 > static_cast<double>(device.memory_bytes) / 4) n /= 2;
    sol.gemm_size = n;
    sol.gemm_library = "cuBLAS " + gpu::toolchain().cublas;
    const size_t elems = static_cast<size_t>(n) * n;
    auto a = gpu::DeviceBuffer::create("a", elems * 4);
    if (!a) return a.error();
    auto b = gpu::DeviceBuffer::create("b", elems * 4);
    if (!b) return b.error();
    auto c = gpu::DeviceBuffer::create("c", elems * 4);
    if (!c) return c.error();
    const double flops = 2.0 * n * static_cast<double>(n) * n;
    for (auto [p, out] : {std::pair{Precision::kFp32, &sol.fp32_tflops}, {Precision::kTf32, &sol.tf32_tflops},
                          {Precision::kFp16, &sol.fp16_tflops}, {Precision::kBf16, &sol.bf16_tflops}}) {
        Status filled = Ok{};
        if (p == Precision::kFp32 || p == Precision::kTf32) {
            filled = util.fill_garbage(a->data(), elems * 4, 1, stream);
            if (filled) filled = util.fill_garbage(b->data(), elems * 4, 2, stream);
        } else {
            const uint16_t base = p == Precision::kFp16 ? 0x3c00 : 0x3f80;  // 1.0
            const uint16_t mask = p == Precision::kFp16 ? 0x03ff : 0x007f;  // every mantissa bit
            filled = util.fill_pattern16(a->data(), elems, 1, base, mask, stream);
            if (filled) filled = util.fill_pattern16(b->data(), elems, 2, base, mask, stream);
        }
        if (!filled) return filled.error();
        auto ms = median_ms(timer, [&, p = p](cudaStream_t, size_t) {
            return cublas->square_gemm(p, a->data(), b->data(), c->data(), n);
        });
        if (!ms) return make_error(fmt::format("the cuBLAS GEMM for the speed of light failed: {}", ms.error().message));
        *out = flops / (*ms * 1e-3) / 1e12;
    }
    sol.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return sol;
}

}  // namespace kc::worker
