// linear-bias-gelu's vendor: cuBLASLt's bf16 GEMM with fp32 accumulation into bf16 and its
// GELU_BIAS epilogue, D = GELU(A B + bias) in one call (reference/cublaslt.cpp), the bias of D's
// type (bf16) per column of D; the algorithm its heuristic picks once per shape and alignment.
#include "reference/cublaslt.h"
#include "worker/vendor.h"

namespace kc::worker {
namespace {

class LinearBiasGeluVendor final : public Vendor {
public:
    explicit LinearBiasGeluVendor(reference::CublasLt lt) : lt_(std::move(lt)) {}
    // t: a, b, bias, d (the exercise's tensors() order).
    Status run(std::span<void* const> t, const wire::CaseRequest& c) override {
        const reference::GemmShape shape{c.sizes.at("m"), c.sizes.at("n"), c.sizes.at("k"), reference::DType::kBf16,
                                         reference::DType::kBf16, reference::Epilogue::kBiasGelu};
        return lt_.gemm(shape, t[0], t[1], t[2], t[3]);
    }
    std::string detail() const override { return lt_.detail(); }

private:
    reference::CublasLt lt_;
};

}  // namespace

KC_REGISTER_VENDOR("linear-bias-gelu", (make_library_vendor<LinearBiasGeluVendor, reference::CublasLt>));

}  // namespace kc::worker
