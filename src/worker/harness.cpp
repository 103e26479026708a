#include "worker/harness.h"

#include <fmt/format.h>

#include "exercises/registry.h"
#include "gpu/check.h"
#include "gpu/library.h"
#include "grade/compare_parallel.h"
#include "grade/guard.h"
#include "util/parallel.h"

namespace kc::worker {

std::unique_ptr<Harness> make_harness(const std::string& exercise) {
    if (const auto* ex = exercises::find_exercise(exercise)) return make_tensor_harness(*ex);
    return nullptr;
}

Status prepare(const Kernels& kernels, const std::vector<Launch>& launches) {
    for (size_t k = 0; k < kernels.size() && k < launches.size(); ++k)
        if (auto s = gpu::prepare(kernels[k], launches[k]); !s) return s;
    return Ok{};
}

void to_floats(exercises::DType type, std::span<const std::byte> bytes, std::span<float> out) {
    const size_t size = exercises::size_of(type);
    const float sentinel = grade::sentinel();
    parallel_chunks(out.size(), 1 << 16, [&](size_t begin, size_t end, size_t) {
        for (size_t i = begin; i < end; ++i) {
            const std::byte* p = bytes.data() + i * size;
            out[i] = exercises::is_sentinel(type, p) ? sentinel : static_cast<float>(exercises::value_at(type, p));
        }
    });
}

std::string explain_cuda_error(cudaError_t e) {
    switch (e) {
        case cudaErrorIllegalAddress:
            return "the kernel touched memory it does not own (illegal address): usually an index "
                   "past the end of a buffer, a missing bounds check, or a wrong pointer";
        case cudaErrorMisalignedAddress:
            return "misaligned address: a wide load or store (float2/float4) at an address that is "
                   "not a multiple of its size; check vectorised accesses at odd offsets";
        case cudaErrorLaunchOutOfResources:
            return "too many resources requested for launch: threads per block x registers per "
                   "thread exceed what an SM holds; use fewer threads per block or "
                   "__launch_bounds__";
        case cudaErrorInvalidConfiguration:
            return "invalid launch configuration: the grid, block or shared memory size is "
                   "outside what this GPU allows";
        case cudaErrorInvalidClusterSize:
            return "the GPU refused the cluster: more blocks per cluster than it can place at once (8 is "
                   "portable; more needs a GPU that allows it), or blocks too large to share a GPC with the "
                   "rest of their cluster; use a smaller cluster or fewer resources per block";
        case cudaErrorAssert:
            return "a device-side assert() failed";
        case cudaErrorIllegalInstruction:
            return "the kernel executed an illegal instruction (a trap, or a corrupted function "
                   "pointer)";
        case cudaErrorHardwareStackError:
            return "the kernel overflowed its stack: deep recursion or very large local arrays";
        case cudaErrorLaunchTimeout:
            return "the kernel ran too long and the display watchdog stopped it";
        case cudaErrorLaunchFailure:
            return "the kernel failed while running (unspecified launch failure): often an "
                   "out-of-bounds access; rerun with --sanitize when compute-sanitizer is installed";
        default:
            return fmt::format("CUDA reported {}: {}", cudaGetErrorName(e), cudaGetErrorString(e));
    }
}

void launch_and_wait(cudaKernel_t kernel, const Launch& l, void** args, cudaStream_t stream,
                     Crash& crash) {
    cudaError_t e = gpu::launch(kernel, l, args, stream);
    if (e == cudaSuccess) e = cudaStreamSynchronize(stream);
    if (e == cudaSuccess) return;
    crash.happened = true;
    crash.context_lost = gpu::is_sticky(e);
    crash.message = explain_cuda_error(e);
}

Result<wire::Check> check_output(std::span<const float> got, std::span<const double> truth,
                                     std::span<const double> bound, std::vector<long long> shape,
                                     const CaseContext* context) {
    auto cmp = grade::compare_parallel(got, truth, bound, shape);
    if (!cmp) return cmp.error();
    wire::Check c;
    c.comparison = std::move(*cmp);
    c.shape = shape;
    if (!c.comparison.passed()) {
        std::vector<uint8_t> mask;
        auto whole = grade::compare(got, truth, bound, shape, &mask);
        if (!whole) return whole.error();
        c.comparison = std::move(*whole);
        if (context) {
            const grade::LaunchShape launch{context->launch.grid.volume(), context->launch.block.volume()};
            c.diagnosis = exercises::diagnose_case(context->exercise, context->sizes, context->case_seed,
                                                   context->tensor, c.comparison, mask, launch);
        } else {
            c.diagnosis = grade::diagnose(c.comparison, mask, shape);
        }
        c.heatmap = grade::heatmap(mask, shape);
    }
    return c;
}

std::string describe_guard(const wire::Guard& g) {
    return grade::describe(grade::GuardWrite{g.buffer, g.before, g.first_offset, g.last_offset, g.element_bytes,
                                             g.elements});
}

Result<std::string> take_debug_event(const Env& env, const std::vector<grade::NamedBuffer>& buffers) {
    if (!env.debug_record) return std::string();
    grade::DebugRecord r;
    KC_CUDA(cudaMemcpy(&r, env.debug_record, sizeof r, cudaMemcpyDeviceToHost));
    if (!r.claimed) return std::string();
    KC_CUDA(cudaMemset(env.debug_record, 0, sizeof r));
    return grade::describe(r, buffers, "kernel.cu");
}

}  // namespace kc::worker
