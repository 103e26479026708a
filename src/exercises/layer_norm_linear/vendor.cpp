// layer-norm-linear's vendor: the unfused pair the fused kernel replaces. cuDNN's layer norm
// forward through its C++ frontend (reference/cudnn_graph.cpp: bf16 x and z, fp32 gamma, beta and
// arithmetic; the inference phase, so no statistics) writes z into a temporary of the vendor's
// own (m x k bf16, grown to the largest case), then cuBLASLt's bf16 GEMM without an epilogue
// (reference/cublaslt.cpp) computes D = z W; both on the worker's stream. z is written and read
// back, 4 m k bytes that the fused kernel, normalising X as it loads it, never moves. The
// learner's `stats` scratch is not used. cuDNN needs x, gamma and beta 16-byte aligned: a case
// with the `offset` view is refused with cuDNN's reason.
#include <utility>

#include "exercises/layer_norm/layer_norm.h"
#include "exercises/layer_norm_linear/layer_norm_linear.h"
#include "gpu/check.h"
#include "reference/cublaslt.h"
#include "reference/cudnn_graph.h"
#include "worker/vendor.h"

namespace kc::worker {
namespace {

namespace lnl = exercises::lnl;

// One cudaMalloc'ed buffer, freed with the object.
struct DeviceMemory {
    void* p = nullptr;
    size_t bytes = 0;
    DeviceMemory() = default;
    DeviceMemory(const DeviceMemory&) = delete;
    DeviceMemory& operator=(const DeviceMemory&) = delete;
    ~DeviceMemory() { reset(); }
    void reset() {
        if (p) (void)cudaFree(p);
        p = nullptr;
        bytes = 0;
    }
};

class LayerNormLinearVendor final : public Vendor {
public:
    LayerNormLinearVendor(reference::CudnnGraph g, reference::CublasLt lt, cudaStream_t stream)
        : graph_(std::move(g)), lt_(std::move(lt)), stream_(stream) {}
    // t: x, gamma, beta, w, d, stats (the exercise's tensors() order, layer_norm_linear.h).
    Status run(std::span<void* const> t, const wire::CaseRequest& c) override {
        const int64_t m = c.sizes.at("m"), n = c.sizes.at("n"), k = c.sizes.at("k");
        auto z = z_buffer(static_cast<size_t>(m) * static_cast<size_t>(k) * 2);
        if (!z) return z.error();
        const reference::NormShape norm{m, k, reference::DType::kBf16};
        if (auto s = graph_.layer_norm_forward(norm, t[lnl::kX], static_cast<const float*>(t[lnl::kGamma]),
                                               static_cast<const float*>(t[lnl::kBeta]), *z, nullptr, nullptr,
                                               exercises::kLayerNormEps);
            !s)
            return s;
        const reference::GemmShape gemm{m, n, k, reference::DType::kBf16, reference::DType::kBf16,
                                        reference::Epilogue::kNone};
        return lt_.gemm(gemm, *z, t[lnl::kW], nullptr, t[lnl::kD]);
    }
    std::string detail() const override { return graph_.detail() + ", then " + lt_.detail(); }

private:
    // The temporary z, at least `bytes`.
    Result<void*> z_buffer(size_t bytes) {
        if (bytes > z_.bytes) {
            KC_CUDA(cudaStreamSynchronize(stream_));  // the last run may still read the old one
            z_.reset();
            KC_CUDA(cudaMalloc(&z_.p, bytes));
            z_.bytes = bytes;
        }
        return z_.p;
    }

    reference::CudnnGraph graph_;
    reference::CublasLt lt_;
    cudaStream_t stream_;
    DeviceMemory z_;
};

Result<std::unique_ptr<Vendor>> make(cudaStream_t stream, const gpu::Utility&) {
    auto graph = reference::CudnnGraph::create(stream);
    if (!graph) return graph.error();
    auto lt = reference::CublasLt::create(stream);
    if (!lt) return lt.error();
    return std::unique_ptr<Vendor>(std::make_unique<LayerNormLinearVendor>(std::move(*graph), std::move(*lt), stream));
}

}  // namespace

KC_REGISTER_VENDOR("layer-norm-linear", make);

}  // namespace kc::worker
