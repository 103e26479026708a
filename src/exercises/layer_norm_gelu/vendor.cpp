// layer-norm-gelu's vendor: the unfused pair the fused kernel replaces. cuDNN's layer norm forward
// writes z into y (reference/cudnn.cpp, as layer-norm's vendor), then kernelcoach's own GELU pass
// (kc_gelu_tanh, gpu/utility.h) rewrites y in place, both on the worker's stream: y is read and
// written twice, where the fused kernel reads x and writes y once.
#include "exercises/layer_norm/layer_norm.h"
#include "gpu/utility.h"
#include "reference/cudnn.h"
#include "worker/vendor.h"

namespace kc::worker {
namespace {

class LayerNormGeluVendor final : public Vendor {
public:
    LayerNormGeluVendor(reference::Cudnn c, const gpu::Utility& util, cudaStream_t stream)
        : cudnn_(std::move(c)), util_(util), stream_(stream) {}
    Status run(std::span<void* const> t, const wire::CaseRequest& c) override {
        const int rows = static_cast<int>(c.sizes.at("rows")), cols = static_cast<int>(c.sizes.at("cols"));
        auto* y = static_cast<float*>(t[3]);
        if (auto s = cudnn_.layer_norm(static_cast<const float*>(t[0]), static_cast<const float*>(t[1]),
                                       static_cast<const float*>(t[2]), y, rows, cols, exercises::kLayerNormEps);
            !s)
            return s;
        return util_.gelu_tanh(y, static_cast<size_t>(rows) * static_cast<size_t>(cols), stream_);
    }

private:
    reference::Cudnn cudnn_;
    const gpu::Utility& util_;  // the worker's, made before the vendor and destroyed after it
    cudaStream_t stream_;
};

}  // namespace

KC_REGISTER_VENDOR("layer-norm-gelu", (make_library_pass_vendor<LayerNormGeluVendor, reference::Cudnn>));

}  // namespace kc::worker
