// The exercise model (exercises/exercise.h): element types and their conversions, the registry,
// every registered exercise's declarations and truth on its example case, the launch plan's
// parameter lists, and a manifest's kernels. Each exercise's own tests are in
// tests/exercises/test_<exercise>.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <span>
#include <vector>

#include "course/manifest.h"
#include "exercises/dtype.h"
#include "exercises/exercise.h"
#include "exercises/registry.h"
#include "support/host_case.h"

namespace kc::exercises {
namespace {

using test::host_case;

// ---- element types ---------------------------------------------------------------------------

TEST(DType, Fp16RoundsToNearestEven) {
    EXPECT_EQ(to_fp16(1.0f), 0x3c00);
    EXPECT_EQ(to_fp16(-2.0f), 0xc000);
    EXPECT_EQ(to_fp16(65504.0f), 0x7bff);                      // the largest finite
    EXPECT_EQ(to_fp16(65520.0f), 0x7c00);                      // rounds up to infinity
    EXPECT_EQ(to_fp16(std::ldexp(1.0f, -24)), 0x0001);         // the smallest subnormal
    EXPECT_EQ(to_fp16(std::ldexp(1.0f, -25)), 0x0000);         // a tie with 0: even
    EXPECT_EQ(to_fp16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // a tie: to even
    EXPECT_EQ(to_fp16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
    EXPECT_TRUE(std::isnan(from_fp16(to_fp16(std::nanf("")))));
    for (uint32_t h = 0; h < 0x7c00; ++h) ASSERT_EQ(to_fp16(from_fp16(static_cast<uint16_t>(h))), h) << h;
}

TEST(DType, Bf16RoundsToNearestEven) {
    EXPECT_EQ(to_bf16(1.0f), 0x3f80);
    EXPECT_EQ(to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);  // a tie: to even
    EXPECT_EQ(to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);
    EXPECT_EQ(from_bf16(0x4040), 3.0f);
    EXPECT_TRUE(std::isnan(from_bf16(to_bf16(std::nanf("")))));
}

TEST(DType, NamesSizesAndSentinels) {
    for (DType t : {DType::F32, DType::F16, DType::BF16, DType::I32, DType::U8}) {
        EXPECT_EQ(parse_dtype(name_of(t)), t);
        const uint32_t word = sentinel_word(t);
        std::byte bytes[4];
        std::memcpy(bytes, &word, 4);
        EXPECT_EQ(is_sentinel(t, bytes), t != DType::U8) << name_of(t);  // every byte is a uint8 value
        if (is_float(t)) EXPECT_TRUE(std::isnan(value_at(t, bytes))) << name_of(t);
    }
    EXPECT_EQ(size_of(DType::BF16), 2u);
    EXPECT_EQ(size_of(DType::U8), 1u);
    EXPECT_FALSE(parse_dtype("float"));
    EXPECT_EQ(unit_roundoff(DType::F16), std::ldexp(1.0, -11));
    EXPECT_EQ(unit_roundoff(DType::I32), 0.0);
}

// ---- every registered exercise -----------------------------------------------------------------

TEST(Registry, EveryExerciseOnceByName) {
    EXPECT_TRUE(duplicate_names().empty());
    std::vector<std::string> names;
    for (const Exercise* ex : all()) names.push_back(ex->spec().name);
    EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
    for (const char* n : {"vector-add", "matrix-mul", "softmax", "layer-norm", "conv2d", "adam-step", "sum-reduce",
                          "convert"})
        EXPECT_NE(find_exercise(n), nullptr) << n;
}

TEST(Registry, EveryExerciseDeclaresAConsistentCaseWithFiniteTruth) {
    for (const Exercise* ex : all()) {
        const auto& name = ex->spec().name;
        const Sizes& s = ex->spec().example;
        ASSERT_FALSE(s.empty()) << name << ": Spec::example is empty";
        EXPECT_EQ(check_declarations(*ex, s), "") << name;
        EXPECT_GT(checked_elements(*ex, s).value_or(0), 0u) << name;
        const auto h = host_case(*ex, s, 11);
        for (size_t k = 0; k < h.truth.size(); ++k)
            for (size_t i = 0; i < h.truth[k].size(); ++i) {
                ASSERT_FALSE(std::isnan(h.truth[k][i])) << name << " written tensor " << k << " element " << i;
                ASSERT_GE(h.bound[k][i], 0.0) << name;
            }
        // The same seed gives the same bytes.
        EXPECT_EQ(host_case(*ex, s, 11).bytes, h.bytes) << name;
    }
}

// The parameter lists the compile messages show, generated from the plan: Track 1's as they
// were written by hand before.
TEST(Plan, ParameterListsOfTrackOne) {
    auto params = [](const char* name, size_t step = 0) {
        const Exercise* ex = find_exercise(name);
        return ex ? parameters(*ex, ex->spec().example, step) : std::string("missing");
    };
    EXPECT_EQ(params("vector-add"), "const float* a, const float* b, float* out, int n");
    EXPECT_EQ(params("matrix-mul"), "const float* a, const float* b, float* c, int m, int n, int k");
    EXPECT_EQ(params("softmax"), "const float* x, float* y, int rows, int cols");
    EXPECT_EQ(params("layer-norm"),
              "const float* x, const float* gamma, const float* beta, float* y, int rows, int cols, float eps");
    EXPECT_EQ(params("conv2d"), "const float* input, const float* filter, float* output, int n, int c, int h, int w, "
                                "int k, int r, int s, int pad, int stride");
    EXPECT_EQ(params("adam-step"),
              "float* p, float* m, float* v, const float* g, int n, float lr, float beta1, float beta2, float eps, "
              "int step");
    EXPECT_EQ(params("sum-reduce", 0), "const float* x, float* partial, int n");
    EXPECT_EQ(params("sum-reduce", 1), "float* partial, float* out, int n");
    EXPECT_EQ(params("convert"),
              "const float* x, __half* h, __nv_bfloat16* b, int* i, unsigned char* q, int n");
}

// A plan that names something the exercise does not declare is caught.
class BadPlan final : public Exercise {
public:
    const Spec& spec() const override {
        static const Spec s{.name = "bad-plan", .fields = {"n"}};
        return s;
    }
    std::vector<TensorSpec> tensors(const Sizes&) const override {
        return {{"x", 4, Role::kIn}, {"y", 4, Role::kOut, DType::F16}};
    }
    std::vector<Scalar> scalars(const Sizes&) const override { return {Scalar::of(4, "n")}; }
    std::vector<Step> plan(const Sizes&) const override { return {{{"x", "tmp", "n"}}}; }
    std::vector<long long> shape(const Sizes&, const std::string&) const override { return {4}; }
    void make_inputs(uint64_t, const Sizes&, std::span<const HostTensor>) const override {}
    void truth(const Sizes&, std::span<const HostTensor>, std::span<const Expected>) const override {}
    TimedTransform timed_transform(const Sizes&) const override { return {}; }
};

TEST(Plan, DeclarationsThatDoNotHoldTogetherAreNamed) {
    const BadPlan bad;
    EXPECT_EQ(check_declarations(bad, {{"n", 4}}), "step 0 names `tmp`, which is no tensor or scalar");
}

}  // namespace
}  // namespace kc::exercises

// ---- module.json: several kernels ---------------------------------------------------------------

namespace kc::course {
namespace {

std::string manifest_with(const std::string& kernel_fields) {
    return R"({"format": 1, "title": "t", "exercise": "sum-reduce", )" + kernel_fields +
           R"(, "starter": "PASSED", "cases": [{"name": "one", "n": 1}]})";
}

TEST(ManifestKernels, OneKernelOrSeveralInPlanOrder) {
    auto one = parse_manifest(manifest_with(R"("kernel": "k")"), "m.json");
    ASSERT_TRUE(one) << one.error().message;
    EXPECT_EQ(one->kernels, (std::vector<std::string>{"k"}));
    auto two = parse_manifest(manifest_with(R"("kernels": ["a", "b"])"), "m.json");
    ASSERT_TRUE(two) << two.error().message;
    EXPECT_EQ(two->kernels, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(two->kernel, "a");
    auto both = parse_manifest(manifest_with(R"("kernel": "a", "kernels": ["a"])"), "m.json");
    ASSERT_FALSE(both);
    EXPECT_NE(both.error().message.find("either"), std::string::npos) << both.error().message;
    auto twice = parse_manifest(manifest_with(R"("kernels": ["a", "a"])"), "m.json");
    ASSERT_FALSE(twice);
    EXPECT_NE(twice.error().message.find("kernels[1]"), std::string::npos) << twice.error().message;
    EXPECT_FALSE(parse_manifest(manifest_with(R"("kernels": ["9x"])"), "m.json"));
    EXPECT_FALSE(parse_manifest(manifest_with(R"("kernels": [])"), "m.json"));
}

}  // namespace
}  // namespace kc::course
