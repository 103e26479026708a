// conv2d's vendor: cuDNN convolution forward, FMA math (TF32 off), its algorithm reported.
#include "reference/cudnn.h"
#include "worker/vendor.h"

namespace kc::worker {
namespace {

class Conv2dVendor final : public Vendor {
public:
    explicit Conv2dVendor(reference::Cudnn c) : cudnn_(std::move(c)) {}
    Status run(std::span<void* const> t, const wire::CaseRequest& c) override {
        auto at = [&](const char* f) { return static_cast<int>(c.sizes.at(f)); };
        const reference::ConvShape shape{at("n"), at("c"), at("h"), at("w"), at("k"),
                                         at("r"), at("s"), at("pad"), at("stride")};
        return cudnn_.conv2d(static_cast<const float*>(t[0]), static_cast<const float*>(t[1]),
                             static_cast<float*>(t[2]), shape);
    }
    std::string detail() const override { return cudnn_.conv_algorithm(); }

private:
    reference::Cudnn cudnn_;
};

}  // namespace

KC_REGISTER_VENDOR("conv2d", (make_library_vendor<Conv2dVendor, reference::Cudnn>));

}  // namespace kc::worker
