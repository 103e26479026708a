// gemm-bf16's vendor: cuBLASLt's bf16 GEMM with fp32 accumulation into bf16, no epilogue
// (reference/cublaslt.cpp), the algorithm its heuristic picks once per shape.
#include "reference/cublaslt.h"
#include "worker/vendor.h"

namespace kc::worker {
namespace {

class GemmBf16Vendor final : public Vendor {
public:
    explicit GemmBf16Vendor(reference::CublasLt lt) : lt_(std::move(lt)) {}
    Status run(std::span<void* const> t, const wire::CaseRequest& c) override {
        const reference::GemmShape shape{c.sizes.at("m"), c.sizes.at("n"), c.sizes.at("k"), reference::DType::kBf16,
                                         reference::DType::kBf16, reference::Epilogue::kNone};
        return lt_.gemm(shape, t[0], t[1], nullptr, t[2]);
    }
    std::string detail() const override { return lt_.detail(); }

private:
    reference::CublasLt lt_;
};

}  // namespace

KC_REGISTER_VENDOR("gemm-bf16", (make_library_vendor<GemmBf16Vendor, reference::CublasLt>));

}  // namespace kc::worker
