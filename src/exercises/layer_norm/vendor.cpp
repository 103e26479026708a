// layer-norm's vendor: cuDNN layer norm forward with the exercise's epsilon (reference/cudnn.cpp).
#include "exercises/layer_norm/layer_norm.h"
#include "reference/cudnn.h"
#include "worker/vendor.h"

namespace kc::worker {
namespace {

class LayerNormVendor final : public Vendor {
public:
    explicit LayerNormVendor(reference::Cudnn c) : cudnn_(std::move(c)) {}
    Status run(std::span<void* const> t, const wire::CaseRequest& c) override {
        return cudnn_.layer_norm(static_cast<const float*>(t[0]), static_cast<const float*>(t[1]),
                                 static_cast<const float*>(t[2]), static_cast<float*>(t[3]),
                                 static_cast<int>(c.sizes.at("rows")), static_cast<int>(c.sizes.at("cols")),
                                 exercises::kLayerNormEps);
    }

private:
    reference::Cudnn cudnn_;
};

}  // namespace

KC_REGISTER_VENDOR("layer-norm", (make_library_vendor<LayerNormVendor, reference::Cudnn>));

}  // namespace kc::worker
