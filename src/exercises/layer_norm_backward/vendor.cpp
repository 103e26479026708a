// layer-norm-backward's vendor: cuDNN's layer norm backward through its C++ frontend's graph
// API (reference/cudnn_graph.cpp), from the same saved statistics, writing dx, dgamma and dbeta
// in one call; it needs no `partial` (the learner's scratch).
#include "exercises/layer_norm_backward/layer_norm_backward.h"
#include "reference/cudnn_graph.h"
#include "worker/vendor.h"

namespace kc::worker {
namespace {

namespace lnb = exercises::lnb;

class LayerNormBackwardVendor final : public Vendor {
public:
    explicit LayerNormBackwardVendor(reference::CudnnGraph g) : graph_(std::move(g)) {}
    Status run(std::span<void* const> t, const wire::CaseRequest& c) override {
        const reference::NormShape s{c.sizes.at("rows"), c.sizes.at("cols"), reference::DType::kFp32};
        auto in = [&](size_t i) { return static_cast<const float*>(t[i]); };
        auto out = [&](size_t i) { return static_cast<float*>(t[i]); };
        return graph_.layer_norm_backward(s, t[lnb::kDy], t[lnb::kX], in(lnb::kGamma), in(lnb::kMean), in(lnb::kRstd),
                                          t[lnb::kDx], out(lnb::kDgamma), out(lnb::kDbeta));
    }
    std::string detail() const override { return graph_.detail(); }

private:
    reference::CudnnGraph graph_;
};

}  // namespace

KC_REGISTER_VENDOR("layer-norm-backward", (make_library_vendor<LayerNormBackwardVendor, reference::CudnnGraph>));

}  // namespace kc::worker
