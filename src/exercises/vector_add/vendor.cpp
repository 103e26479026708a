// vector-add's vendor: cuBLAS geam on the vector viewed as a matrix (reference/cublas.cpp).
#include "gpu/check.h"
#include "reference/cublas.h"
#include "worker/vendor.h"

namespace kc::worker {
namespace {

class VectorAddVendor final : public Vendor {
public:
    explicit VectorAddVendor(reference::Cublas c) : cublas_(std::move(c)) {}
    Status run(std::span<void* const> t, const wire::CaseRequest& c) override {
        KC_CUDA(cublas_.vector_add(static_cast<const float*>(t[0]), static_cast<const float*>(t[1]),
                                   static_cast<float*>(t[2]), static_cast<int>(c.sizes.at("n"))));
        return Ok{};
    }

private:
    reference::Cublas cublas_;
};

}  // namespace

KC_REGISTER_VENDOR("vector-add", (make_library_vendor<VectorAddVendor, reference::Cublas>));

}  // namespace kc::worker
