// softmax's vendor: cuDNN softmax forward, accurate mode, over each row (reference/cudnn.cpp).
#include "reference/cudnn.h"
#include "worker/vendor.h"

namespace kc::worker {
namespace {

class SoftmaxVendor final : public Vendor {
public:
    explicit SoftmaxVendor(reference::Cudnn c) : cudnn_(std::move(c)) {}
    Status run(std::span<void* const> t, const wire::CaseRequest& c) override {
        return cudnn_.softmax_rows(static_cast<const float*>(t[0]), static_cast<float*>(t[1]),
                                   static_cast<int>(c.sizes.at("rows")), static_cast<int>(c.sizes.at("cols")));
    }

private:
    reference::Cudnn cudnn_;
};

Result<std::unique_ptr<Vendor>> make(cudaStream_t stream) {
    auto c = reference::Cudnn::create(stream);
    if (!c) return c.error();
    return std::unique_ptr<Vendor>(std::make_unique<SoftmaxVendor>(std::move(*c)));
}

}  // namespace

KC_REGISTER_VENDOR("softmax", make);

}  // namespace kc::worker
