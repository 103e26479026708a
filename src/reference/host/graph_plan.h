// The host side of the cuDNN frontend references (reference/cudnn_graph.h): the shapes they
// accept, the tensor layouts handed to cuDNN, and the keys their graphs are cached under, as
// pure functions tested on the CPU.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>

#include "reference/host/dtype.h"
#include "util/result.h"

namespace kc::reference {

// Scaled dot-product attention, forward: Q is [batch, heads, seq_q, dim], K and V are
// [batch, heads, seq_kv, dim], O is [batch, heads, seq_q, dim], each contiguous in that order
// (BHSD) and of `type` (fp16 or bf16); the softmax statistics are fp32 [batch, heads, seq_q].
// O = softmax(scale Q K^T (+ the causal mask)) V with fp32 softmax. Causal is top-left aligned:
// query i sees keys 0..i.
struct SdpaShape {
    int64_t batch = 0, heads = 0, seq_q = 0, seq_kv = 0, dim = 0;
    DType type = DType::kBf16;
    bool causal = false;
    float scale = 0;  // usually default_attention_scale(dim)
    auto operator<=>(const SdpaShape&) const = default;
};

float default_attention_scale(int64_t dim);  // 1 / sqrt(dim)

// Sizes >= 1, dim a multiple of 8 up to 256 (cuDNN's flash attention; cuDNN may still refuse a
// shape on a given GPU, and then says why), type fp16 or bf16, a finite scale > 0.
Status validate(const SdpaShape& s);

// The strides of a contiguous [d0, d1, d2, d3] tensor: {d1 d2 d3, d2 d3, d3, 1}.
std::array<int64_t, 4> packed_strides(const std::array<int64_t, 4>& dims);

// Layer norm and RMSNorm over the rows of a row-major rows x cols matrix. x and y (and dy, dx)
// are of `type` (fp32 or bf16); scale (gamma), bias (beta), their gradients and the per-row
// statistics are fp32.
enum class NormOp { kLayerNormForward, kLayerNormBackward, kRmsNormForward };

struct NormShape {
    int64_t rows = 0, cols = 0;
    DType type = DType::kFp32;
    auto operator<=>(const NormShape&) const = default;
};

// rows and cols >= 1 (cols up to 2^31 - 1); type fp32 or bf16.
Status validate(const NormShape& s);

const char* norm_op_name(NormOp op);  // "layer norm forward", ...

// cuDNN's norm tensors are 4-D: a row-major rows x cols matrix is [rows, cols, 1, 1] with
// strides [cols, 1, cols, cols] (as the frontend's samples write it), a per-column vector
// (scale, bias) is [1, cols, 1, 1] with the same strides, a per-row statistic [rows, 1, 1, 1]
// with strides [1, 1, 1, 1].
struct NormTensor {
    std::array<int64_t, 4> dims, strides;
};
NormTensor norm_matrix(const NormShape& s);
NormTensor norm_vector(const NormShape& s);
NormTensor norm_stats(const NormShape& s);

// The graph caches' keys: one graph per operation, shape and type, epsilon and scale (which a
// graph holds by value), and whether the forward passes write their statistics (the training
// phase) or not (inference: fewer bytes, another graph).
struct SdpaKey {
    SdpaShape shape;
    bool stats = false;
    auto operator<=>(const SdpaKey&) const = default;
};
struct NormKey {
    NormOp op = NormOp::kLayerNormForward;
    NormShape shape;
    float eps = 0;
    bool stats = false;
    auto operator<=>(const NormKey&) const = default;
};

// "cuDNN frontend SDPA forward, bf16, causal: plan <name>, workspace 0 B".
std::string describe_plan(const std::string& what, const std::string& plan_name, int64_t workspace_bytes);
std::string describe(const SdpaShape& s);  // "SDPA forward, bf16, causal"
std::string describe(NormOp op, const NormShape& s);  // "layer norm forward, bf16"

}  // namespace kc::reference
