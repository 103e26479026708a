// The pure parts of the vendor references: reference/host/lt_plan.h (cuBLASLt), graph_plan.h
// (cuDNN frontend) and cub_plan.h (CUB): the shapes each accepts, the layouts and plan choices.
#include <gtest/gtest.h>

#include <map>

#include "reference/host/cub_plan.h"
#include "reference/host/graph_plan.h"
#include "reference/host/lt_plan.h"
#include "reference/host/text.h"

namespace kc::reference {
namespace {

// ---- cuBLASLt -----------------------------------------------------------------------------

TEST(ReferenceLtPlan, AcceptsBf16AndFp32Gemms) {
    EXPECT_TRUE(validate(GemmShape{3, 5, 7, DType::kBf16, DType::kBf16, Epilogue::kBiasGelu}).ok());
    EXPECT_TRUE(validate(GemmShape{3, 5, 7, DType::kBf16, DType::kFp32, Epilogue::kNone}).ok());
    EXPECT_TRUE(validate(GemmShape{1, 1, 1, DType::kFp32, DType::kFp32, Epilogue::kBias}).ok());
    EXPECT_FALSE(validate(GemmShape{0, 5, 7}).ok());
    EXPECT_FALSE(validate(GemmShape{3, 5, int64_t{1} << 31}).ok());
    EXPECT_FALSE(validate(GemmShape{3, 5, 7, DType::kFp16, DType::kFp16}).ok());
    auto narrowing = validate(GemmShape{3, 5, 7, DType::kFp32, DType::kBf16});
    ASSERT_FALSE(narrowing.ok());
    EXPECT_NE(narrowing.error().message.find("fp32 GEMM writes fp32"), std::string::npos);
}

TEST(ReferenceLtPlan, RowMajorBecomesTheTransposedColumnMajorProblem) {
    // Row-major D (3 x 5) = A (3 x 7) B (7 x 5) is column-major D^T (5 x 3) = B^T (5 x 7) A^T (7 x 3).
    const LtLayout l = lt_layout(GemmShape{3, 5, 7, DType::kBf16, DType::kBf16, Epilogue::kBias});
    EXPECT_EQ(l.m, 5u);
    EXPECT_EQ(l.n, 3u);
    EXPECT_EQ(l.k, 7u);
    EXPECT_EQ(l.first.rows, 5u);   // our B, read column-major
    EXPECT_EQ(l.first.cols, 7u);
    EXPECT_EQ(l.first.ld, 5);
    EXPECT_EQ(l.second.rows, 7u);  // our A
    EXPECT_EQ(l.second.cols, 3u);
    EXPECT_EQ(l.second.ld, 7);
    EXPECT_EQ(l.out.rows, 5u);
    EXPECT_EQ(l.out.cols, 3u);
    EXPECT_EQ(l.out.ld, 5);
    EXPECT_EQ(l.bias_length, 5u);  // one per column of our D
    EXPECT_EQ(lt_layout(GemmShape{3, 5, 7}).bias_length, 0u);
}

TEST(ReferenceLtPlan, EpilogueParts) {
    EXPECT_TRUE(has_bias(Epilogue::kBiasGelu));
    EXPECT_TRUE(has_gelu(Epilogue::kBiasGelu));
    EXPECT_FALSE(has_bias(Epilogue::kGelu));
    EXPECT_FALSE(has_gelu(Epilogue::kBias));
    EXPECT_STREQ(epilogue_name(Epilogue::kBiasGelu), "bias+gelu");
}

TEST(ReferenceLtPlan, WorkspaceFollowsCublasRecommendation) {
    EXPECT_EQ(lt_workspace_bytes(8), size_t{4} << 20);
    EXPECT_EQ(lt_workspace_bytes(9), size_t{32} << 20);
    EXPECT_EQ(lt_workspace_bytes(10), size_t{32} << 20);
}

TEST(ReferenceLtPlan, SplitKReducesOnlyInFp32) {
    const uint32_t mask = lt_reduction_mask();
    EXPECT_EQ(mask & kReduceComputeType, kReduceComputeType);
    EXPECT_EQ(mask & kReduceInPlace, 0u);
    EXPECT_EQ(mask & kReduceOutputType, 0u);
}

TEST(ReferenceLtPlan, AlignmentIsThePowerOfTwoThatDividesUpTo256) {
    EXPECT_EQ(alignment_of(0x7f0000001000ull), 256);
    EXPECT_EQ(alignment_of(0x1080), 128);
    EXPECT_EQ(alignment_of(0x1010), 16);
    EXPECT_EQ(alignment_of(0x1004), 4);
    EXPECT_EQ(alignment_of(0x1002), 2);
    EXPECT_EQ(alignment_of(0x1001), 1);
}

TEST(ReferenceLtPlan, PlansAreKeyedByShapeAndAlignment) {
    std::map<LtKey, int> plans;
    const GemmShape s{64, 64, 64};
    plans[LtKey{s}] = 1;
    plans[LtKey{s, 256, 256, 16, 256}] = 2;
    plans[LtKey{GemmShape{64, 64, 64, DType::kBf16, DType::kFp32}}] = 3;
    plans[LtKey{GemmShape{64, 64, 64, DType::kBf16, DType::kBf16, Epilogue::kGelu}}] = 4;
    EXPECT_EQ(plans.size(), 4u);
    EXPECT_EQ(plans.at(LtKey{s}), 1);
}

TEST(ReferenceLtPlan, PicksTheBestUsableCandidateWithinTheWorkspace) {
    const std::vector<LtCandidate> c = {{false, 0}, {true, 64u << 20}, {true, 1u << 20}, {true, 0}};
    EXPECT_EQ(pick_candidate(c, 32u << 20), 2);
    EXPECT_EQ(pick_candidate(c, 0), 3);
    EXPECT_EQ(pick_candidate(c, 128u << 20), 1);
    EXPECT_EQ(pick_candidate(std::vector<LtCandidate>{{false, 0}}, 1u << 20), -1);
    EXPECT_EQ(pick_candidate({}, 1u << 20), -1);
}

TEST(ReferenceLtPlan, DescribesTheAlgorithm) {
    LtAlgoInfo a;
    a.id = 66;
    a.tile = 20;
    a.stages = 12;
    a.workspace = 0;
    a.waves = 1.2f;
    a.rank = 0;
    a.candidates = 8;
    EXPECT_EQ(describe(a), "cuBLASLt algo 66 (tile 20, stages 12, split-K 1, swizzle 0, custom 0), workspace 0 B, "
                           "1.20 waves, heuristic choice 1 of 8");
    a.splitk = 4;
    a.reduction = kReduceComputeType;
    a.workspace = 3u << 20;
    EXPECT_NE(describe(a).find("split-K 4 (reduction fp32)"), std::string::npos) << describe(a);
    EXPECT_NE(describe(a).find("workspace 3.0 MiB"), std::string::npos) << describe(a);
}

TEST(ReferenceText, BytesInWords) {
    EXPECT_EQ(bytes_text(512), "512 B");
    EXPECT_EQ(bytes_text(4096), "4.0 KiB");
    EXPECT_EQ(bytes_text(uint64_t{32} << 20), "32.0 MiB");
}

// ---- cuDNN frontend -----------------------------------------------------------------------

TEST(ReferenceGraphPlan, SdpaShapes) {
    SdpaShape s{2, 4, 128, 128, 64, DType::kBf16, true, default_attention_scale(64)};
    EXPECT_FLOAT_EQ(s.scale, 0.125f);
    EXPECT_TRUE(validate(s).ok());
    s.dim = 100;  // not a multiple of 8
    EXPECT_FALSE(validate(s).ok());
    s.dim = 264;  // over 256
    EXPECT_FALSE(validate(s).ok());
    s.dim = 256;
    EXPECT_TRUE(validate(s).ok());
    s.type = DType::kFp32;
    auto fp32 = validate(s);
    ASSERT_FALSE(fp32.ok());
    EXPECT_NE(fp32.error().message.find("fp16 or bf16"), std::string::npos);
    s.type = DType::kFp16;
    s.scale = 0;
    EXPECT_FALSE(validate(s).ok());
    s.scale = 1;
    s.seq_kv = 0;
    EXPECT_FALSE(validate(s).ok());
}

TEST(ReferenceGraphPlan, PackedStridesAreBhsd) {
    EXPECT_EQ(packed_strides({2, 3, 4, 5}), (std::array<int64_t, 4>{60, 20, 5, 1}));
    EXPECT_EQ(packed_strides({2, 3, 4, 1}), (std::array<int64_t, 4>{12, 4, 1, 1}));
}

TEST(ReferenceGraphPlan, NormShapesAndTensors) {
    const NormShape s{4, 6, DType::kBf16};
    EXPECT_TRUE(validate(s).ok());
    EXPECT_FALSE(validate(NormShape{4, 6, DType::kFp16}).ok());
    EXPECT_FALSE(validate(NormShape{0, 6, DType::kFp32}).ok());
    const NormTensor x = norm_matrix(s), v = norm_vector(s), st = norm_stats(s);
    EXPECT_EQ(x.dims, (std::array<int64_t, 4>{4, 6, 1, 1}));
    EXPECT_EQ(x.strides, (std::array<int64_t, 4>{6, 1, 6, 6}));
    EXPECT_EQ(v.dims, (std::array<int64_t, 4>{1, 6, 1, 1}));
    EXPECT_EQ(v.strides, (std::array<int64_t, 4>{6, 1, 6, 6}));
    EXPECT_EQ(st.dims, (std::array<int64_t, 4>{4, 1, 1, 1}));
    EXPECT_EQ(st.strides, (std::array<int64_t, 4>{1, 1, 1, 1}));
}

TEST(ReferenceGraphPlan, GraphsAreKeyedByEverythingTheyHoldByValue) {
    const NormShape s{4, 6, DType::kFp32};
    std::map<NormKey, int> norms;
    norms[{NormOp::kLayerNormForward, s, 1e-5f, false}] = 1;
    norms[{NormOp::kLayerNormForward, s, 1e-5f, true}] = 2;
    norms[{NormOp::kLayerNormForward, s, 1e-6f, false}] = 3;
    norms[{NormOp::kRmsNormForward, s, 1e-5f, false}] = 4;
    norms[{NormOp::kLayerNormForward, NormShape{4, 6, DType::kBf16}, 1e-5f, false}] = 5;
    EXPECT_EQ(norms.size(), 5u);
    std::map<SdpaKey, int> sdpa;
    SdpaShape a{1, 1, 8, 8, 64, DType::kBf16, false, 0.125f};
    sdpa[{a, true}] = 1;
    sdpa[{a, false}] = 2;
    a.causal = true;
    sdpa[{a, true}] = 3;
    a.scale = 0.25f;
    sdpa[{a, true}] = 4;
    EXPECT_EQ(sdpa.size(), 4u);
}

TEST(ReferenceGraphPlan, Describes) {
    EXPECT_EQ(describe(SdpaShape{1, 1, 8, 8, 64, DType::kBf16, true, 0.125f}), "SDPA forward, bf16, causal");
    EXPECT_EQ(describe(SdpaShape{1, 1, 8, 8, 64, DType::kFp16, false, 0.125f}), "SDPA forward, fp16");
    EXPECT_EQ(describe(NormOp::kLayerNormBackward, NormShape{2, 2, DType::kFp32}), "layer norm backward, fp32");
    EXPECT_EQ(describe_plan("RMSNorm forward, bf16", "eng0_k2=1", 4096),
              "cuDNN frontend RMSNorm forward, bf16: plan eng0_k2=1, workspace 4.0 KiB");
    EXPECT_EQ(describe_plan("x", "", 0), "cuDNN frontend x: plan (unnamed), workspace 0 B");
}

// ---- CUB ----------------------------------------------------------------------------------

TEST(ReferenceCubPlan, AcceptsFp32AndInt32Below2To31) {
    EXPECT_TRUE(validate_scan(ScanKind::kSum, DType::kFp32, 0).ok());
    EXPECT_TRUE(validate_scan(ScanKind::kInclusiveSum, DType::kInt32, (int64_t{1} << 31) - 1).ok());
    EXPECT_FALSE(validate_scan(ScanKind::kExclusiveSum, DType::kInt32, int64_t{1} << 31).ok());
    EXPECT_FALSE(validate_scan(ScanKind::kSum, DType::kFp32, -1).ok());
    auto half = validate_scan(ScanKind::kSum, DType::kFp16, 10);
    ASSERT_FALSE(half.ok());
    EXPECT_NE(half.error().message.find("fp32 or int32"), std::string::npos);
}

TEST(ReferenceCubPlan, OutputsAndTemporaryStorage) {
    EXPECT_EQ(scan_outputs(ScanKind::kSum, 1000), 1);
    EXPECT_EQ(scan_outputs(ScanKind::kSum, 0), 1);
    EXPECT_EQ(scan_outputs(ScanKind::kExclusiveSum, 1000), 1000);
    EXPECT_EQ(temp_capacity(0, 0), 0u);
    EXPECT_EQ(temp_capacity(0, 1), 4096u);
    EXPECT_EQ(temp_capacity(4096, 100), 4096u);   // enough: kept, nothing allocated
    EXPECT_EQ(temp_capacity(4096, 5000), 8192u);
    EXPECT_EQ(describe_scan(ScanKind::kInclusiveSum, DType::kFp32, 1000, 4096),
              "CUB DeviceScan::InclusiveSum, fp32, 1000 items, temp storage 4.0 KiB");
}

}  // namespace
}  // namespace kc::reference
