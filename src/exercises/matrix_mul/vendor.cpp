// matrix-mul's vendor: cuBLAS SGEMM, TF32 off (reference/cublas.cpp).
#include "gpu/check.h"
#include "reference/cublas.h"
#include "worker/vendor.h"

namespace kc::worker {
namespace {

class MatrixMulVendor final : public Vendor {
public:
    explicit MatrixMulVendor(reference::Cublas c) : cublas_(std::move(c)) {}
    Status run(std::span<void* const> t, const wire::CaseRequest& c) override {
        const auto& s = c.sizes;
        KC_CUDA(cublas_.matmul(static_cast<const float*>(t[0]), static_cast<const float*>(t[1]),
                               static_cast<float*>(t[2]), static_cast<int>(s.at("m")), static_cast<int>(s.at("n")),
                               static_cast<int>(s.at("k"))));
        return Ok{};
    }

private:
    reference::Cublas cublas_;
};

}  // namespace

KC_REGISTER_VENDOR("matrix-mul", (make_library_vendor<MatrixMulVendor, reference::Cublas>));

}  // namespace kc::worker
