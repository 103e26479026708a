// The reference a learner's kernel is checked and timed against. An exercise's library vendor
// (cuBLAS, cuDNN, ...) lives beside it (src/exercises/<name>/vendor.cpp) and registers itself:
//
//     KC_REGISTER_VENDOR("vector-add", (make_library_vendor<VectorAddVendor, reference::Cublas>));
//
// An exercise without one (Spec::vendor empty) is checked and timed against the module's
// reference solution, compiled by the parent and run here (make_solution_vendor).
#pragma once

#include <cuda_runtime_api.h>

#include <memory>
#include <span>
#include <string>

#include "exercises/exercise.h"
#include "util/result.h"
#include "wire/protocol.h"

namespace kc::gpu {
class Utility;
}

namespace kc::worker {

class Vendor {
public:
    virtual ~Vendor() = default;
    // Enqueues the reference on the worker's stream on the case's tensors: device pointers in
    // the exercise's tensors() order (scratch tensors are the learner's; a library ignores them).
    // Plans and workspaces are made on the first call for a size.
    virtual Status run(std::span<void* const> tensors, const wire::CaseRequest& c) = 0;
    // What actually ran, in words (for conv2d: the cuDNN algorithm).
    virtual std::string detail() const { return {}; }
    // A fused vendor's unfused pair: the separate calls the fused kernel replaces (linear-bias-
    // gelu: cuBLASLt's plain GEMM, then a bias + GELU pass over D), in words; "" when there is
    // none (the default: a vendor that is itself the unfused pair, or one that fuses nothing).
    // When there is one it is timed beside the kernel and the vendor and reported, not gated.
    virtual std::string unfused() const { return {}; }
    // Enqueues the unfused pair as run() does the vendor, on the same tensors; called only when
    // unfused() is not "".
    virtual Status run_unfused(std::span<void* const> /*tensors*/, const wire::CaseRequest& /*c*/) {
        return make_error("this vendor has no unfused pair");
    }
};

// A vendor is made on the worker's stream; `util` (kernelcoach's own kernels, loaded before any
// vendor and outliving it) is there for a reference that is a library call plus a pass of ours
// (layer-norm-gelu: cuDNN's layer norm, then kc_gelu_tanh).
using VendorFactory = Result<std::unique_ptr<Vendor>> (*)(cudaStream_t stream, const gpu::Utility& util);

// The factory of a vendor `V` built around a library handle `Lib` (reference::Cublas, Cudnn):
// `Lib::create(stream)`, then `V(handle)`.
template <class V, class Lib>
Result<std::unique_ptr<Vendor>> make_library_vendor(cudaStream_t stream, const gpu::Utility&) {
    auto lib = Lib::create(stream);
    if (!lib) return lib.error();
    return std::unique_ptr<Vendor>(std::make_unique<V>(std::move(*lib)));
}

// The factory of a vendor `V` that is a library call plus a pass of kernelcoach's own kernels
// (layer-norm-gelu, linear-bias-gelu's unfused pair): `Lib::create(stream)`, then
// `V(handle, util, stream)`.
template <class V, class Lib>
Result<std::unique_ptr<Vendor>> make_library_pass_vendor(cudaStream_t stream, const gpu::Utility& util) {
    auto lib = Lib::create(stream);
    if (!lib) return lib.error();
    return std::unique_ptr<Vendor>(std::make_unique<V>(std::move(*lib), util, stream));
}

// Adds the library vendor of `exercise`; true (for the registration macro).
bool register_vendor(const std::string& exercise, VendorFactory make);

// The vendor of a request: the exercise's library, or the reference solution in
// `reference_cubin` when the exercise has none or the request asks for it (versus_reference).
Result<std::unique_ptr<Vendor>> make_vendor(const wire::Request& req, const exercises::Exercise& ex,
                                            cudaStream_t stream, const gpu::Utility& util);

}  // namespace kc::worker

#define KC_REGISTER_VENDOR(exercise, factory) \
    [[maybe_unused]] static const bool kc_vendor_registered_ = ::kc::worker::register_vendor(exercise, factory)
