// Tensor maps: the rules a learner's request must keep before it is encoded (pure functions, no
// GPU), and tensor_maps() evaluated by NVRTC and read back from the PTX, per case.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "compile/compiler.h"
#include "compile/tensor_map.h"
#include "engine/tensor_maps.h"
#include "exercises/registry.h"
#include "exercises/spec.h"
#include "support/cli.h"

namespace kc::test {
namespace {

bool contains(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

// A 64 x 100 fp32 tensor `in` and a bf16 `b` of 4096 elements.
const std::vector<MappedTensor> kTensors = {{"in", 6400, 4}, {"b", 4096, 2}};

TensorMapRequest fine() {
    TensorMapRequest r;
    r.tensor = 0;
    r.rows = 64;
    r.cols = 100;
    r.box_rows = 32;
    r.box_cols = 32;
    return r;
}

TEST(TensorMap, AGoodRequestAndAnUnusedOneHaveNoProblem) {
    EXPECT_EQ(tensor_map_problem(fine(), kTensors), "");
    EXPECT_EQ(tensor_map_problem(TensorMapRequest{}, kTensors), "");  // tensor = -1: a zero map
    auto swz = fine();
    swz.swizzle = 128;  // 32 fp32 = 128 bytes: exactly the swizzle's span
    EXPECT_EQ(tensor_map_problem(swz, kTensors), "");
}

TEST(TensorMap, ATensorThatDoesNotExistIsNamed) {
    auto r = fine();
    r.tensor = 2;
    EXPECT_TRUE(contains(tensor_map_problem(r, kTensors), "maps tensor 2, and this exercise has 2"));
}

TEST(TensorMap, TheViewMustHaveRowsAndColumnsThatDoNotOverlap) {
    auto r = fine();
    r.rows = 0;
    EXPECT_TRUE(contains(tensor_map_problem(r, kTensors), "a view needs rows and columns"));
    r = fine();
    r.row_stride = 99;
    EXPECT_TRUE(contains(tensor_map_problem(r, kTensors), "rows would overlap"));
}

TEST(TensorMap, RowsMustBeSixteenBytesApartUnlessThereIsOnlyOne) {
    auto r = fine();
    r.cols = r.row_stride = 99;  // 396 bytes
    r.rows = 2;
    const auto p = tensor_map_problem(r, kTensors);
    EXPECT_TRUE(contains(p, "396 bytes apart")) << p;
    EXPECT_TRUE(contains(p, "a multiple of 4")) << p;
    EXPECT_TRUE(contains(p, "tensor = -1")) << p;
    r.rows = 1;
    EXPECT_EQ(tensor_map_problem(r, kTensors), "");
}

TEST(TensorMap, TheViewMustLieInsideTheTensor) {
    auto r = fine();
    r.rows = 65;  // 65 x 100 > 6400
    EXPECT_TRUE(contains(tensor_map_problem(r, kTensors), "must lie inside the tensor"));
    r = fine();
    r.rows = 1;
    r.cols = 6400;
    r.box_cols = 32;
    EXPECT_EQ(tensor_map_problem(r, kTensors), "");  // the whole buffer, exactly
    r.cols = 6401;
    EXPECT_FALSE(tensor_map_problem(r, kTensors).empty());
}

TEST(TensorMap, BoxSidesAreOneTo256WithRowsOfSixteenByteMultiples) {
    for (auto [rows, cols] : {std::pair{0u, 32u}, {32u, 0u}, {257u, 32u}, {32u, 512u}}) {
        auto r = fine();
        r.box_rows = rows;
        r.box_cols = cols;
        EXPECT_TRUE(contains(tensor_map_problem(r, kTensors), "each side must be 1 to 256")) << rows << " x " << cols;
    }
    TensorMapRequest b;  // bf16: 4 columns are 8 bytes
    b.tensor = 1;
    b.rows = 64;
    b.cols = 64;
    b.box_rows = 16;
    b.box_cols = 4;
    EXPECT_TRUE(contains(tensor_map_problem(b, kTensors), "4 x 2 bytes = 8 bytes"));
    b.box_cols = 8;
    EXPECT_EQ(tensor_map_problem(b, kTensors), "");
}

TEST(TensorMap, TheSwizzleIsOneOfFourAndAsWideAsABoxRow) {
    auto r = fine();
    r.swizzle = 48;
    EXPECT_TRUE(contains(tensor_map_problem(r, kTensors), "0 (none), 32, 64 or 128"));
    r.swizzle = 64;  // a 128-byte box row
    const auto p = tensor_map_problem(r, kTensors);
    EXPECT_TRUE(contains(p, "wider than its 64-byte swizzle: make box_cols at most 16")) << p;
}

TEST(TensorMap, AtMostFourMapsAndTheSameCountInEveryCase) {
    TensorMaps m;
    m.count = 5;
    EXPECT_TRUE(contains(tensor_maps_problem(m, kTensors), "at most 4"));
    m.count = 2;
    m.map[0] = fine();
    m.map[1] = fine();
    m.map[1].box_rows = 300;
    EXPECT_TRUE(contains(tensor_maps_problem(m, kTensors), "map[1]"));
    TensorMaps none;
    EXPECT_EQ(tensor_map_count_problem({m, m}, {"a", "b"}), "");
    const auto p = tensor_map_count_problem({m, m, none}, {"a", "b", "c"});
    EXPECT_TRUE(contains(p, "2 maps for case 'a' and 0 for case 'c'")) << p;
}

// The module-level rules, over the transpose exercise's tensors (in, out).
TEST(TensorMap, ModulesCheckTheKernelCountTheArchitectureAndEveryCase) {
    const auto* ex = exercises::find_exercise("transpose");
    ASSERT_NE(ex, nullptr);
    std::vector<course::Case> cases = {{"small", {{"rows", 4}, {"cols", 8}}}, {"big", {{"rows", 64}, {"cols", 64}}}};
    TensorMaps m;
    m.count = 1;
    m.map[0] = {.tensor = 0, .rows = 4, .cols = 8, .box_rows = 4, .box_cols = 8};
    TensorMaps big = m;
    big.map[0].rows = big.map[0].cols = 64;
    EXPECT_FALSE(engine::tensor_map_problems(*ex, cases, {m, big}, 1, 90));
    EXPECT_FALSE(engine::tensor_map_problems(*ex, cases, {TensorMaps{}, TensorMaps{}}, 3, 75));  // none asked for
    auto old = engine::tensor_map_problems(*ex, cases, {m, big}, 1, 89);
    ASSERT_TRUE(old);
    EXPECT_TRUE(contains(old->message, "compute capability 9.0")) << old->message;
    auto several = engine::tensor_map_problems(*ex, cases, {m, big}, 2, 90);
    ASSERT_TRUE(several);
    EXPECT_TRUE(contains(several->message, "one kernel")) << several->message;
    // The small case's view used for the big one is fine; the big one's for the small case is not.
    auto bad = engine::tensor_map_problems(*ex, cases, {big, big}, 1, 90);
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->case_index, 0u);
    EXPECT_TRUE(contains(bad->message, "`in` has 32")) << bad->message;
    EXPECT_EQ(engine::requested_maps(m).size(), 1u);
}

// ---- tensor_maps() through NVRTC ------------------------------------------------------------

compile::Request transpose_request(const std::string& source) {
    const auto* spec = exercises::find("transpose");
    compile::Request r;
    r.source = source;
    r.display_path = "tracks/x/module-01-y/kernel.cu";
    r.sm = 90;
    r.header = exercises::prelude(*spec, compile::default_constants(r.sm));
    r.tensor_maps = true;
    r.kernels = {"transpose"};
    r.params = {"const float* in, float* out, int rows, int cols"};
    r.problems = {"Problem{1, 1}", "Problem{64, 128}"};
    r.case_names = {"one", "big"};
    return r;
}

constexpr const char* kLaunch = R"(
constexpr Launch launch(Problem p) { return Launch{.grid = {unsigned(p.rows)}, .block = {32}}; }
)";

TEST(TensorMap, WithoutTensorMapsTheDefaultGivesNone) {
    auto out = compile::compile(transpose_request(std::string(R"(#include "kernelcoach.h"
extern "C" __global__ void transpose(const float* in, float* out, int rows, int cols) {}
)") + kLaunch),
                                {});
    ASSERT_TRUE(out) << out.error().message;
    ASSERT_TRUE(out->ok) << out->summary << "\n" << out->log;
    ASSERT_EQ(out->tensor_maps.size(), 2u);
    EXPECT_EQ(out->tensor_maps[0].count, 0u);
    EXPECT_EQ(out->tensor_maps[1].count, 0u);
}

TEST(TensorMap, TheLearnersTensorMapsAreReadBackPerCase) {
    auto out = compile::compile(transpose_request(std::string(R"(#include "kernelcoach.h"
constexpr TensorMaps tensor_maps(Problem p) {
    TensorMaps m;
    m.count = 2;
    if (p.cols % 4 == 0)
        m.map[0] = {.tensor = kc::tensor::in, .rows = unsigned(p.rows), .cols = unsigned(p.cols), .box_rows = 16,
                    .box_cols = 32, .swizzle = 128};
    m.map[1] = {.tensor = kc::tensor::out, .rows = unsigned(p.cols), .cols = unsigned(p.rows), .row_stride = 7,
                .box_rows = 256, .box_cols = 8};
    return m;
}
extern "C" __global__ void transpose(const float* in, float* out, int rows, int cols,
                                     const __grid_constant__ TensorMap a, const __grid_constant__ TensorMap b) {}
)") + kLaunch),
                                {});
    ASSERT_TRUE(out) << out.error().message;
    ASSERT_TRUE(out->ok) << out->summary << "\n" << out->log;
    ASSERT_EQ(out->tensor_maps.size(), 2u);
    const auto& one = out->tensor_maps[0];
    EXPECT_EQ(one.count, 2u);
    EXPECT_FALSE(one.map[0].used());
    const auto& big = out->tensor_maps[1];
    EXPECT_EQ(big.map[0].tensor, 0);
    EXPECT_EQ(big.map[0].rows, 64u);
    EXPECT_EQ(big.map[0].cols, 128u);
    EXPECT_EQ(big.map[0].box_rows, 16u);
    EXPECT_EQ(big.map[0].box_cols, 32u);
    EXPECT_EQ(big.map[0].swizzle, 128u);
    EXPECT_EQ(big.map[1].tensor, 1);
    EXPECT_EQ(big.map[1].rows, 128u);
    EXPECT_EQ(big.map[1].row_stride, 7u);
    EXPECT_EQ(big.map[1].box_rows, 256u);
}

TEST(TensorMap, ATensorMapsThatIsNotConstexprNamesTheFunctionAndTheCase) {
    auto out = compile::compile(transpose_request(std::string(R"(#include "kernelcoach.h"
int host_value = 3;
constexpr TensorMaps tensor_maps(Problem p) {
    TensorMaps m;
    m.count = host_value;
    return m;
}
extern "C" __global__ void transpose(const float* in, float* out, int rows, int cols) {}
)") + kLaunch),
                                {});
    ASSERT_TRUE(out) << out.error().message;
    ASSERT_FALSE(out->ok);
    EXPECT_TRUE(contains(out->summary, "tensor_maps() could not be evaluated at compile time for case 'one'"))
        << out->summary;
}

}  // namespace
}  // namespace kc::test
