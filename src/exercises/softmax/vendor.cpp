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

}  // namespace

KC_REGISTER_VENDOR("softmax", (make_library_vendor<SoftmaxVendor, reference::Cudnn>));

}  // namespace kc::worker
