// linear-bias-gelu's vendor: cuBLASLt's bf16 GEMM with fp32 accumulation into bf16 and its
// GELU_BIAS epilogue, D = GELU(A B + bias) in one call (reference/cublaslt.cpp), the bias of D's
// type (bf16) per column of D; the algorithm its heuristic picks once per shape and alignment.
//
// Its unfused pair, timed beside it (worker/vendor.h): cuBLASLt's plain GEMM stores A B in D,
// then kernelcoach's bias + GELU pass (kc_bias_gelu_bf16, gpu/utility.h) reads D and the bias and
// rewrites D, both on the worker's stream: D goes through memory twice more than in the fused call.
#include "gpu/utility.h"
#include "reference/cublaslt.h"
#include "worker/vendor.h"

namespace kc::worker {
namespace {

reference::GemmShape shape_of(const wire::CaseRequest& c, reference::Epilogue epilogue) {
    return {c.sizes.at("m"), c.sizes.at("n"), c.sizes.at("k"), reference::DType::kBf16, reference::DType::kBf16,
            epilogue};
}

class LinearBiasGeluVendor final : public Vendor {
public:
    LinearBiasGeluVendor(reference::CublasLt lt, const gpu::Utility& util, cudaStream_t stream)
        : lt_(std::move(lt)), util_(util), stream_(stream) {}
    // t: a, b, bias, d (the exercise's tensors() order).
    Status run(std::span<void* const> t, const wire::CaseRequest& c) override {
        return lt_.gemm(shape_of(c, reference::Epilogue::kBiasGelu), t[0], t[1], t[2], t[3]);
    }
    std::string detail() const override { return lt_.detail(); }
    std::string unfused() const override { return "cuBLASLt bf16 GEMM, then a bias + GELU pass"; }
    Status run_unfused(std::span<void* const> t, const wire::CaseRequest& c) override {
        if (auto s = lt_.gemm(shape_of(c, reference::Epilogue::kNone), t[0], t[1], nullptr, t[3]); !s) return s;
        return util_.bias_gelu_bf16(t[3], t[2], static_cast<size_t>(c.sizes.at("m")),
                                    static_cast<size_t>(c.sizes.at("n")), stream_);
    }

private:
    reference::CublasLt lt_;
    const gpu::Utility& util_;  // the worker's, made before the vendor and destroyed after it
    cudaStream_t stream_;
};

}  // namespace

KC_REGISTER_VENDOR("linear-bias-gelu", (make_library_pass_vendor<LinearBiasGeluVendor, reference::CublasLt>));

}  // namespace kc::worker
