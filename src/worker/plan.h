// A case's launch plan on the GPU: the arguments of each step (tensor pointers and scalars, by
// the names the exercise's plan gives) and the launches, in order, on one stream.
#pragma once

#include <cuda_runtime_api.h>

#include <string>
#include <vector>

#include "compile/launch.h"
#include "compile/tensor_map.h"
#include "exercises/exercise.h"
#include "gpu/tensor_map.h"
#include "worker/harness.h"

namespace kc::worker {

class PlanArgs {
public:
    // `tensors`: device pointers in the exercise's tensors() order. `maps`: the tensor maps the
    // (single) kernel receives after its parameters, encoded here over those tensors.
    PlanArgs(const exercises::Exercise& ex, const exercises::Sizes& s, std::vector<void*> tensors,
             const std::vector<TensorMapRequest>& maps = {});
    PlanArgs(const PlanArgs&) = delete;
    PlanArgs& operator=(const PlanArgs&) = delete;
    void** step(size_t k) { return args_[k].data(); }
    size_t steps() const { return args_.size(); }
    // Why a tensor map could not be encoded ("" when all were): nothing is launched then.
    const std::string& problem() const { return problem_; }

private:
    void encode_maps(const std::vector<exercises::TensorSpec>& specs, const std::vector<TensorMapRequest>& maps);

    std::vector<void*> tensors_;  // the values the argument array points at: they must stay put
    std::vector<exercises::Scalar> scalars_;
    std::vector<gpu::EncodedMap> maps_;
    std::vector<std::vector<void*>> args_;
    std::string problem_;
};

// Enqueues every step without waiting; the first launch error.
cudaError_t enqueue_plan(const Kernels& kernels, const std::vector<Launch>& launches, PlanArgs& args,
                         cudaStream_t stream);

// Runs every step and waits after each, so that a failure names its kernel (`names`, when the
// plan has several); fills `crash` (also when a tensor map could not be encoded: nothing runs).
void run_plan(const Kernels& kernels, const std::vector<Launch>& launches, PlanArgs& args, cudaStream_t stream,
              const std::vector<std::string>& names, Crash& crash);

}  // namespace kc::worker
