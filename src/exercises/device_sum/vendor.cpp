// device-sum's vendor: cub::DeviceReduce::Sum (reference/cub.cu), which writes out[0] itself.
#include "reference/cub.h"
#include "worker/vendor.h"

namespace kc::worker {
namespace {

class DeviceSumVendor final : public Vendor {
public:
    explicit DeviceSumVendor(reference::Cub c) : cub_(std::move(c)) {}
    Status run(std::span<void* const> t, const wire::CaseRequest& c) override {
        return cub_.sum(static_cast<const float*>(t[0]), static_cast<float*>(t[1]), c.sizes.at("n"));
    }
    std::string detail() const override { return cub_.detail(); }

private:
    reference::Cub cub_;
};

}  // namespace

KC_REGISTER_VENDOR("device-sum", (make_library_vendor<DeviceSumVendor, reference::Cub>));

}  // namespace kc::worker
