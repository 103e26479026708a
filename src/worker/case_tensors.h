// The device tensors of one case: one guarded buffer per tensor of the exercise (any role and
// element type), pristine copies of the seeded ones, and the operations a check needs on them:
// prepare for a run (sentinel or garbage in the outputs, in-out tensors restored, scratch zeroed
// or filled), guards, "inputs unchanged".
#pragma once

#include <cuda_runtime_api.h>

#include <optional>
#include <string>
#include <vector>

#include "exercises/exercise.h"
#include "gpu/buffer.h"
#include "gpu/utility.h"
#include "util/result.h"
#include "wire/protocol.h"

namespace kc::worker {

// The exercise's tensors for a case with every scratch tensor's elements filled in: the ones
// the kernel file sizes take `learner_scratch` in order. An Error (in the learner's words) when
// a size is negative or too large.
Result<std::vector<exercises::TensorSpec>> sized_tensors(const exercises::Exercise& ex, const exercises::Sizes& s,
                                                         const std::vector<long long>& learner_scratch);

class CaseTensors {
public:
    // Allocates (guarded) and arms every tensor, each starting `offset` bytes past a 256-byte
    // boundary (an input view's; 0: aligned); seeded ones get a pristine copy.
    static Result<CaseTensors> create(std::vector<exercises::TensorSpec> specs, size_t offset = 0);

    const std::vector<exercises::TensorSpec>& specs() const { return specs_; }
    gpu::DeviceBuffer& buffer(size_t i) { return dev_[i]; }
    std::vector<void*> pointers() const;

    // Uploads seeded tensor i's host bytes and keeps a pristine copy on the device.
    Status upload(size_t i, const void* host, cudaStream_t s);
    // Before a run: outputs hold the sentinel (or finite garbage when `garbage_seed` is given),
    // in-out tensors their pristine values, scratch tensors zeros or garbage.
    Status prepare(const gpu::Utility& u, cudaStream_t s, std::optional<uint32_t> garbage_seed = std::nullopt);
    // The first guard zone a run wrote into, if any.
    Result<std::optional<wire::Guard>> guards() const;
    // The first input (role in) whose bytes differ from its pristine copy; "" when none.
    Result<std::string> modified_input(const gpu::Utility& u, cudaStream_t s) const;
    const void* pristine(size_t i) const { return pristine_[i] ? pristine_[i]->data() : nullptr; }

private:
    std::vector<exercises::TensorSpec> specs_;
    std::vector<gpu::DeviceBuffer> dev_;
    std::vector<std::optional<gpu::DeviceBuffer>> pristine_;
};

}  // namespace kc::worker
