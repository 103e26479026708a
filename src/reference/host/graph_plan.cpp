#include "reference/host/graph_plan.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "reference/host/text.h"

namespace kc::reference {

float default_attention_scale(int64_t dim) { return static_cast<float>(1.0 / std::sqrt(static_cast<double>(dim))); }

Status validate(const SdpaShape& s) {
    if (s.batch < 1 || s.heads < 1 || s.seq_q < 1 || s.seq_kv < 1 || s.dim < 1)
        return make_error(fmt::format("SDPA batch {} heads {} seq_q {} seq_kv {} dim {}: every size must be >= 1",
                                      s.batch, s.heads, s.seq_q, s.seq_kv, s.dim));
    if (s.dim % 8 != 0 || s.dim > 256)
        return make_error(fmt::format("SDPA head dim {}: cuDNN's attention needs a multiple of 8 up to 256", s.dim));
    if (s.type != DType::kFp16 && s.type != DType::kBf16)
        return make_error(fmt::format("SDPA Q, K, V and O must be fp16 or bf16, not {}", dtype_name(s.type)));
    if (!std::isfinite(s.scale) || s.scale <= 0)
        return make_error(fmt::format("SDPA scale {} must be finite and > 0", s.scale));
    return Ok{};
}

std::array<int64_t, 4> packed_strides(const std::array<int64_t, 4>& d) {
    return {d[1] * d[2] * d[3], d[2] * d[3], d[3], 1};
}

Status validate(const NormShape& s) {
    if (s.rows < 1 || s.cols < 1 || s.cols > std::numeric_limits<int32_t>::max())
        return make_error(fmt::format("norm over {} x {}: rows and cols must be >= 1 (cols < 2^31)", s.rows, s.cols));
    if (s.type != DType::kFp32 && s.type != DType::kBf16)
        return make_error(fmt::format("norm x and y must be fp32 or bf16, not {}", dtype_name(s.type)));
    return Ok{};
}

const char* norm_op_name(NormOp op) {
    switch (op) {
        case NormOp::kLayerNormForward: return "layer norm forward";
        case NormOp::kLayerNormBackward: return "layer norm backward";
        case NormOp::kRmsNormForward: return "RMSNorm forward";
    }
    return "?";
}

NormTensor norm_matrix(const NormShape& s) { return {{s.rows, s.cols, 1, 1}, {s.cols, 1, s.cols, s.cols}}; }
NormTensor norm_vector(const NormShape& s) { return {{1, s.cols, 1, 1}, {s.cols, 1, s.cols, s.cols}}; }
NormTensor norm_stats(const NormShape& s) { return {{s.rows, 1, 1, 1}, {1, 1, 1, 1}}; }

std::string describe_plan(const std::string& what, const std::string& plan_name, int64_t workspace_bytes) {
    return fmt::format("cuDNN frontend {}: plan {}, workspace {}", what, plan_name.empty() ? "(unnamed)" : plan_name,
                       bytes_text(static_cast<uint64_t>(workspace_bytes)));
}

std::string describe(const SdpaShape& s) {
    return fmt::format("SDPA forward, {}{}", dtype_name(s.type), s.causal ? ", causal" : "");
}

std::string describe(NormOp op, const NormShape& s) { return fmt::format("{}, {}", norm_op_name(op), dtype_name(s.type)); }

}  // namespace kc::reference
