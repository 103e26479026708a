// The harness runs an exercise on the GPU: it makes the tensors, launches the learner's kernels
// (the module's launch plan), checks every written tensor against float64 truth, runs the vendor
// (or the reference solution) on the same inputs, and times both. One harness
// (tensor_harness.cpp) serves every exercise.
#pragma once

#include <cstdint>
#include <cuda_runtime_api.h>

#include <memory>
#include <string>

#include "wire/protocol.h"
#include "exercises/exercise.h"
#include "gpu/buffer.h"
#include "gpu/timer.h"
#include "gpu/utility.h"
#include "grade/debug_record.h"
#include "util/result.h"

namespace kc::worker {

class Vendor;  // worker/vendor.h

struct Env {
    wire::Device device;
    cudaStream_t stream = nullptr;
    Vendor* vendor = nullptr;
    gpu::Timer* timer = nullptr;
    const gpu::Utility* util = nullptr;
    uint64_t seed = 0;
    bool hot = false;  // time without flushing L2 (--hot), for comparison with other tools
    std::vector<std::string> kernel_names;  // the plan's kernels, for messages
    void* debug_record = nullptr;  // the module's kc_debug_record (kc/debug.cuh), when it includes the kit
    bool debug = false;            // `run --debug`: one launch per case
};

// What a harness reports when the learner's kernel broke the CUDA context.
struct Crash {
    bool happened = false;
    bool context_lost = false;  // a sticky error: the worker must stop after reporting
    std::string message;        // in the learner's words
};

// The entry points of one compiled module, in launch-plan order.
using Kernels = std::vector<cudaKernel_t>;

class Harness {
public:
    virtual ~Harness() = default;
    // The learner's kernels on one case. An Error is a fault of kernelcoach, not the learner's.
    virtual Result<wire::CaseResult> run_case(Env& env, const Kernels& kernels, const wire::CaseRequest& c,
                                              size_t index, Crash& crash) = 0;
    // One plain launch on the case's inputs, nothing checked, for compute-sanitizer: buffers of
    // exactly the case's size (no guard zones, so every overrun leaves the allocation), the
    // outputs left unwritten (so initcheck sees reads of them).
    // `buffers` receives each buffer's name, address and size, so that the sanitizer's
    // addresses can be named.
    virtual Status launch_only(Env& env, const Kernels& kernels, const wire::CaseRequest& c, size_t index,
                               std::vector<wire::Buffer>& buffers, Crash& crash) = 0;
    // The learner's kernels against the vendor (or the reference solution) and a copy of the
    // same bytes, cold L2.
    virtual Result<wire::Timing> time_case(Env& env, const Kernels& kernels, const wire::CaseRequest& c, size_t index,
                                           Crash& crash) = 0;
};

// The harness of an exercise; nullptr when no exercise of that name is registered.
std::unique_ptr<Harness> make_harness(const std::string& exercise);
// The harness of `ex` (which must outlive it): a registered exercise, or a custom one.
std::unique_ptr<Harness> make_tensor_harness(const exercises::Exercise& ex);

// A CUDA error from the learner's kernel, explained: what it usually means and what to check.
std::string explain_cuda_error(cudaError_t e);

// Runs the learner's launch and waits for it; fills `crash` when it fails.
void launch_and_wait(cudaKernel_t kernel, const Launch& l, void** args, cudaStream_t stream,
                     Crash& crash);
// Readies each kernel for its launch in `launches` (gpu::prepare: shared memory, clusters).
Status prepare(const Kernels& kernels, const std::vector<Launch>& launches);

// The case whose output a check explains: its exercise, sizes and input seed (for the
// exercise's explain()) and the launch (for the never-written patterns).
struct CaseContext {
    const exercises::Exercise& exercise;
    const exercises::Sizes& sizes;
    uint64_t case_seed = 0;
    Launch launch;
    std::string tensor;  // the written tensor checked
};

// `bytes` of a tensor of `type` as floats for the comparison: the sentinel of the type becomes
// fp32's, so "never written" reads the same for every type.
void to_floats(exercises::DType type, std::span<const std::byte> bytes, std::span<float> out);

// Builds the Check (comparison, diagnosis, heatmap) of `got` against truth. With `context` the
// diagnosis is exercises::diagnose_case()'s (the exercise's explanation, or the pattern told
// the launch); without (the vendor, the timed runs) the pattern alone.
Result<wire::Check> check_output(std::span<const float> got, std::span<const double> truth,
                                     std::span<const double> bound, std::vector<long long> shape,
                                     const CaseContext* context = nullptr);

// What the debug kit recorded in the launches just made (grade::describe), then cleared for the
// next; "" when the module has no kit or nothing happened. `buffers` name the case's tensors.
Result<std::string> take_debug_event(const Env& env, const std::vector<grade::NamedBuffer>& buffers);

// "the kernel wrote past the end of `out`: 4 bytes at 0..3 bytes past the end (element 1000 of 1000)"
std::string describe_guard(const wire::Guard& g);

}  // namespace kc::worker
