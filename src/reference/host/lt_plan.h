// The host side of the cuBLASLt reference (reference/cublaslt.h): which GEMMs it accepts, how
// our row-major operands map onto cuBLASLt's column-major ones, and the plan choices it makes
// (workspace, split-K reductions, which heuristic result), as pure functions tested on the CPU.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "reference/host/dtype.h"
#include "util/result.h"

namespace kc::reference {

// What follows the product: a bias per output column (added before the GELU), the GELU in its
// tanh form 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), both, or nothing.
enum class Epilogue { kNone, kBias, kGelu, kBiasGelu };

bool has_bias(Epilogue e);
bool has_gelu(Epilogue e);
const char* epilogue_name(Epilogue e);  // "none", "bias", "gelu", "bias+gelu"

// D = epilogue(A B): A is m x k and B is k x n, both row-major and contiguous as our kernels
// see them; D is m x n row-major; the bias (when any) has n elements of D's type. Inputs are
// bf16 (fp32 accumulation) or fp32 (fp32 arithmetic, TF32 off); D is bf16 or fp32.
struct GemmShape {
    int64_t m = 0, n = 0, k = 0;
    DType in = DType::kBf16;
    DType out = DType::kBf16;
    Epilogue epilogue = Epilogue::kNone;
    auto operator<=>(const GemmShape&) const = default;
};

// m, n and k from 1 to 2^31 - 1 (an int, as in our kernels' Problem); inputs bf16 or fp32;
// output bf16 or fp32, and fp32 when the inputs are (an SGEMM does not narrow).
Status validate(const GemmShape& s);

// One matrix as cuBLASLt sees it: column-major rows x cols with leading dimension ld.
struct LtMatrix {
    uint64_t rows = 0, cols = 0;
    int64_t ld = 0;
};

// cuBLASLt is column-major, and a row-major matrix read column-major is its transpose. So the
// row-major D = A B is computed as the column-major D^T = B^T A^T without moving any data:
// cuBLASLt's first operand is our B (n x k, ld n), its second our A (k x m, ld k), its output
// our D (n x m, ld n), both operands untransposed (CUBLAS_OP_N). Its problem is m' = n, n' = m,
// k' = k, and its bias runs along its rows: one value per column of our D, as wanted.
struct LtLayout {
    uint64_t m = 0, n = 0, k = 0;  // cuBLASLt's problem
    LtMatrix first, second, out;   // first = our B, second = our A, out = our D
    uint64_t bias_length = 0;      // 0 without a bias
};
LtLayout lt_layout(const GemmShape& s);

// The workspace the object owns, and the heuristic's limit: cuBLAS's recommendation, 32 MiB on
// Hopper and newer (compute capability 9.0 and up), 4 MiB before.
size_t lt_workspace_bytes(int cc_major);

// cuBLASLt's split-K reduction schemes (cublasLtReductionScheme_t's values; cublaslt.cpp
// checks that they match).
constexpr uint32_t kReduceNone = 0;
constexpr uint32_t kReduceInPlace = 1;      // partial sums added in the output type, in the output buffer
constexpr uint32_t kReduceComputeType = 2;  // partial sums kept in fp32 in the workspace
constexpr uint32_t kReduceOutputType = 4;   // partial sums rounded to the output type in the workspace
// The schemes the heuristic may pick: none, or partial sums kept in fp32. The other two round
// each partial sum to the output type: with bf16 output that is an error of 2^-8 per split,
// outside the bound of an fp32 accumulation (host/gemm_truth.h).
uint32_t lt_reduction_mask();

// The largest power of two up to 256 that divides `address`: what the heuristic is told of
// each operand (CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_*_BYTES, 256 unless told less), so that it
// picks no algorithm the pointers cannot serve. A plan is cached per alignment as per shape.
int alignment_of(uintptr_t address);

struct LtKey {
    GemmShape shape;
    int align_a = 256, align_b = 256, align_d = 256, align_bias = 256;
    auto operator<=>(const LtKey&) const = default;
};

// One result of cublasLtMatmulAlgoGetHeuristic.
struct LtCandidate {
    bool ok = false;        // its state was CUBLAS_STATUS_SUCCESS
    size_t workspace = 0;   // bytes it needs
};
// The first (best-ranked) usable candidate that fits the workspace; -1 when none does.
int pick_candidate(std::span<const LtCandidate> candidates, size_t workspace_bytes);

// What the chosen algorithm is, read back from its configuration: cuBLASLt's algorithm id and
// the ids of its tile, stage count, split-K and reduction, CTA swizzle and custom option
// (cublasLtMatmulTile_t, cublasLtMatmulStages_t, ...: numbers, as cuBLASLt names them).
struct LtAlgoInfo {
    int id = 0, tile = 0, stages = 0, splitk = 1, swizzle = 0, custom = 0;
    uint32_t reduction = 0;
    size_t workspace = 0;
    float waves = 0;
    int rank = 0, candidates = 0;  // its place among the heuristic's results
};
// "cuBLASLt algo 66 (tile 20, stages 12, split-K 1, swizzle 0, custom 0), workspace 0 B,
// 1.20 waves, heuristic choice 1 of 8", the reduction named when split-K is used.
std::string describe(const LtAlgoInfo& a);

}  // namespace kc::reference
