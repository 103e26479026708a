// The timed run's tensors: `sets` copies of every tensor `stride` bytes apart (batched runs
// rotate over them so that no launch finds its data in L2), the vendor's own copies of the
// written tensors, pristine copies of the in-out ones (restored before every sample), and the
// reference every sample's output is compared with bit for bit.
#pragma once

#include <cuda_runtime_api.h>

#include <functional>
#include <vector>

#include "exercises/exercise.h"
#include "gpu/buffer.h"
#include "gpu/utility.h"
#include "util/result.h"

namespace kc::worker {

class TimedSets {
public:
    static Result<TimedSets> make(std::vector<exercises::TensorSpec> specs, size_t sets,
                                  const std::function<size_t(size_t)>& stride);

    const std::vector<exercises::TensorSpec>& specs() const { return specs_; }
    void* set0(size_t i) { return at(i, 0); }
    void* at(size_t i, size_t k) { return dev_[i].as<char>() + k * stride_[i]; }
    // Every tensor's set-k pointer, in the exercise's order: the learner's, and the vendor's (its
    // own written tensors; inputs and scratch shared).
    std::vector<void*> pointers(size_t k);
    std::vector<void*> vendor_pointers(size_t k);

    Status upload_set0(size_t i, const void* host, cudaStream_t s);
    // Copies every seeded tensor's set 0 to the other sets, and the in-out tensors to their
    // pristine and vendor copies. Waits.
    Status replicate_inputs(cudaStream_t s);
    // Before a run of sets 0 .. count - 1: outputs hold the sentinel, in-out tensors their
    // pristine values, scratch tensors zeros or garbage. Waits.
    Status prepare(const gpu::Utility& u, cudaStream_t s, size_t count);
    // The written tensors' set 0, copied to every set of the reference. Waits.
    Status keep_reference(cudaStream_t s);
    // Words of the written tensors' sets 0 .. count - 1 that differ from the reference.
    Result<uint64_t> differences(const gpu::Utility& u, cudaStream_t s, size_t count) const;

private:
    std::vector<exercises::TensorSpec> specs_;
    size_t sets_ = 1;
    std::vector<size_t> stride_;
    std::vector<gpu::DeviceBuffer> dev_;
    // Per tensor, only where it applies: the vendor's copy (written), pristine sets (in-out),
    // the reference (written).
    std::vector<std::optional<gpu::DeviceBuffer>> vendor_, pristine_, reference_;
};

// Copies set 0 (the first `stride` bytes of p) into sets 1 .. sets - 1, doubling each time.
// Does not wait.
Status replicate(void* p, size_t stride, size_t sets, cudaStream_t s);

}  // namespace kc::worker
