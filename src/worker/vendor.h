// The vendor reference of each exercise, created once per worker: cuBLAS for vector-add and
// matrix-mul, cuDNN for softmax, layer-norm and conv2d (loaded only when an exercise needs it).
#pragma once

#include <cuda_runtime_api.h>

#include <memory>
#include <span>
#include <string>

#include "exercises/spec.h"
#include "util/result.h"

namespace kc::worker {

class Vendor {
public:
    virtual ~Vendor() = default;
    // Enqueues the reference on the worker's stream: the same inputs, in the kernel's order,
    // and the output. Plans and workspaces are made on the first call for a size.
    virtual Status run(std::span<const float* const> inputs, float* out, const exercises::Sizes& s) = 0;
    // What actually ran, in words (for conv2d: the cuDNN algorithm).
    virtual std::string detail() const { return {}; }
};

Result<std::unique_ptr<Vendor>> make_vendor(const std::string& exercise, cudaStream_t stream);

}  // namespace kc::worker
