#include "reference/host/lt_plan.h"

#include <fmt/format.h>

#include <limits>

#include "reference/host/text.h"

namespace kc::reference {

bool has_bias(Epilogue e) { return e == Epilogue::kBias || e == Epilogue::kBiasGelu; }
bool has_gelu(Epilogue e) { return e == Epilogue::kGelu || e == Epilogue::kBiasGelu; }

const char* epilogue_name(Epilogue e) {
    switch (e) {
        case Epilogue::kNone: return "none";
        case Epilogue::kBias: return "bias";
        case Epilogue::kGelu: return "gelu";
        case Epilogue::kBiasGelu: return "bias+gelu";
    }
    return "?";
}

Status validate(const GemmShape& s) {
    constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
    if (s.m < 1 || s.n < 1 || s.k < 1 || s.m > kMax || s.n > kMax || s.k > kMax)
        return make_error(fmt::format("GEMM {} x {} x {}: every size must be from 1 to 2^31 - 1", s.m, s.n, s.k));
    if (s.in != DType::kBf16 && s.in != DType::kFp32)
        return make_error(fmt::format("GEMM inputs must be bf16 or fp32, not {}", dtype_name(s.in)));
    if (s.out != DType::kBf16 && s.out != DType::kFp32)
        return make_error(fmt::format("GEMM output must be bf16 or fp32, not {}", dtype_name(s.out)));
    if (s.in == DType::kFp32 && s.out != DType::kFp32)
        return make_error(fmt::format("an fp32 GEMM writes fp32, not {}", dtype_name(s.out)));
    return Ok{};
}

LtLayout lt_layout(const GemmShape& s) {
    const auto m = static_cast<uint64_t>(s.m), n = static_cast<uint64_t>(s.n), k = static_cast<uint64_t>(s.k);
    LtLayout l;
    l.m = n;
    l.n = m;
    l.k = k;
    l.first = {n, k, s.n};   // our B (k x n row-major) = B^T, n x k column-major
    l.second = {k, m, s.k};  // our A (m x k row-major) = A^T, k x m column-major
    l.out = {n, m, s.n};     // our D (m x n row-major) = D^T, n x m column-major
    l.bias_length = has_bias(s.epilogue) ? n : 0;
    return l;
}

size_t lt_workspace_bytes(int cc_major) { return (cc_major >= 9 ? 32u : 4u) << 20; }

uint32_t lt_reduction_mask() { return kReduceNone | kReduceComputeType; }

int alignment_of(uintptr_t address) {
    int a = 1;
    while (a < 256 && address % static_cast<uintptr_t>(2 * a) == 0) a *= 2;
    return a;
}

int pick_candidate(std::span<const LtCandidate> candidates, size_t workspace_bytes) {
    for (size_t i = 0; i < candidates.size(); ++i)
        if (candidates[i].ok && candidates[i].workspace <= workspace_bytes) return static_cast<int>(i);
    return -1;
}

namespace {
const char* reduction_name(uint32_t r) {
    switch (r) {
        case kReduceNone: return "none";
        case kReduceInPlace: return "in place";
        case kReduceComputeType: return "fp32";
        case kReduceOutputType: return "output type";
        default: return "?";
    }
}
}  // namespace

std::string describe(const LtAlgoInfo& a) {
    std::string split = fmt::format("split-K {}", a.splitk);
    if (a.splitk > 1) split += fmt::format(" (reduction {})", reduction_name(a.reduction));
    return fmt::format("cuBLASLt algo {} (tile {}, stages {}, {}, swizzle {}, custom {}), workspace {}, "
                       "{:.2f} waves, heuristic choice {} of {}",
                       a.id, a.tile, a.stages, split, a.swizzle, a.custom, bytes_text(a.workspace), a.waves,
                       a.rank + 1, a.candidates);
}

}  // namespace kc::reference
