// cuDNN's C++ frontend (graph API), created once per worker: the vendor for attention (SDPA
// forward), layer norm forward and backward and RMSNorm forward, in fp32, fp16 or bf16
// (host/graph_plan.h says which and in what layout).
//
// Each operation builds its graph on the first call for a shape, type, epsilon / scale and
// phase (validate, lower to cuDNN, heuristics A then fallback, the first plan that builds) and
// keeps it: later calls only execute. The workspace is the object's own, grown to the largest
// graph's need. Set-up may allocate and synchronise; execution is asynchronous on the stream
// given to create(). Every device pointer must be 16-byte aligned (cudaMalloc's are).
#pragma once

#include <cuda_runtime_api.h>

#include <memory>
#include <string>

#include "reference/host/graph_plan.h"
#include "util/result.h"

namespace kc::reference {

class CudnnGraph {
public:
    static Result<CudnnGraph> create(cudaStream_t stream);
    CudnnGraph(CudnnGraph&& o) noexcept;
    CudnnGraph& operator=(CudnnGraph&& o) noexcept;
    CudnnGraph(const CudnnGraph&) = delete;
    CudnnGraph& operator=(const CudnnGraph&) = delete;
    ~CudnnGraph();  // graphs, the workspace, then the handle

    // o = softmax(scale q k^T (causal: top-left)) v over BHSD tensors of s.type; stats (fp32,
    // [batch, heads, seq_q]) receives each row's max + log(sum exp) when not nullptr.
    Status sdpa_forward(const SdpaShape& s, const void* q, const void* k, const void* v, void* o, float* stats);

    // y = (x - mean) inv_std gamma + beta per row of the row-major rows x cols x (x, y of
    // s.type; gamma, beta fp32). With mean and inv_std (fp32, rows each, both or neither) the
    // training phase also writes the statistics, inv_std = 1 / sqrt(var + eps).
    Status layer_norm_forward(const NormShape& s, const void* x, const float* gamma, const float* beta, void* y,
                              float* mean, float* inv_std, float eps);

    // From the saved statistics: dx (s.type), dgamma and dbeta (fp32, cols each); dy, x of s.type.
    Status layer_norm_backward(const NormShape& s, const void* dy, const void* x, const float* gamma,
                               const float* mean, const float* inv_std, void* dx, float* dgamma, float* dbeta);

    // y = x / sqrt(mean x^2 + eps) gamma per row; inv_rms (fp32, rows), when not nullptr,
    // receives 1 / sqrt(mean x^2 + eps) (the training phase).
    Status rms_norm_forward(const NormShape& s, const void* x, const float* gamma, void* y, float* inv_rms,
                            float eps);

    // The last call's graph: "cuDNN frontend SDPA forward, bf16, causal: plan <engine and
    // knobs>, workspace 0 B"; "" before any.
    std::string detail() const;
    size_t graph_count() const;  // the graphs built so far, one per key (host/graph_plan.h)

private:
    struct State;
    explicit CudnnGraph(std::unique_ptr<State> s);
    std::unique_ptr<State> s_;
};

}  // namespace kc::reference
