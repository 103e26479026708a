// transpose's vendor: cuBLAS geam with the transpose op (reference/cublas.cpp).
#include "gpu/check.h"
#include "reference/cublas.h"
#include "worker/vendor.h"

namespace kc::worker {
namespace {

class TransposeVendor final : public Vendor {
public:
    explicit TransposeVendor(reference::Cublas c) : cublas_(std::move(c)) {}
    Status run(std::span<void* const> t, const wire::CaseRequest& c) override {
        KC_CUDA(cublas_.transpose(static_cast<const float*>(t[0]), static_cast<float*>(t[1]),
                                  static_cast<int>(c.sizes.at("rows")), static_cast<int>(c.sizes.at("cols"))));
        return Ok{};
    }

private:
    reference::Cublas cublas_;
};

}  // namespace

KC_REGISTER_VENDOR("transpose", (make_library_vendor<TransposeVendor, reference::Cublas>));

}  // namespace kc::worker
