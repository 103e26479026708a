// Arch-specific targets (issue 13, point 8): "sm_90a" as --arch and as a manifest's "arch", and
// what NVRTC does with it here (no GPU needed): a kernel with wgmma or setmaxnreg in inline PTX
// builds for sm_90a and is refused for sm_90.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <tuple>

#include "compile/arch.h"
#include "compile/compiler.h"
#include "engine/target.h"
#include "course/manifest.h"
#include "support/cli.h"
#include "support/compile_request.h"

namespace kc::test {
namespace {

TEST(Arch, ParsesEveryWayToWriteOne) {
    for (const auto& [text, sm, specific] : std::vector<std::tuple<std::string, int, bool>>{
             {"sm_90a", 90, true}, {"90a", 90, true}, {"sm_90", 90, false}, {"90", 90, false},
             {"sm_100a", 100, true}, {"75", 75, false}, {"sm_120", 120, false}}) {
        auto a = compile::parse_arch(text);
        ASSERT_TRUE(a) << text << ": " << a.error().message;
        EXPECT_EQ(a->sm, sm) << text;
        EXPECT_EQ(a->specific, specific) << text;
    }
}

TEST(Arch, RefusesWhatIsNotOne) {
    for (const char* text : {"", "sm_", "hopper", "sm_9O", "a", "sm_a", "1000", "sm_90b", "90aa", "-90"}) {
        auto a = compile::parse_arch(text);
        EXPECT_FALSE(a) << text;
        if (!a) EXPECT_TRUE(contains(a.error().message, "sm_90")) << a.error().message;
    }
    auto old = compile::parse_arch("sm_80a");
    ASSERT_FALSE(old);
    EXPECT_TRUE(contains(old.error().message, "start at sm_90a")) << old.error().message;
}

TEST(Arch, NamesAndTargets) {
    EXPECT_EQ(compile::arch_name({90, true}), "sm_90a");
    EXPECT_EQ(compile::arch_name({86, false}), "sm_86");
    ASSERT_NE(compile::specific_target(90), nullptr);
    EXPECT_TRUE(contains(compile::specific_target(90)->features, "wgmma"));
    EXPECT_TRUE(contains(compile::specific_target(90)->gpus, "H100"));
    ASSERT_NE(compile::specific_target(100), nullptr);
    EXPECT_EQ(compile::specific_target(80), nullptr);
    EXPECT_EQ(compile::specific_target(89), nullptr);
}

// ---- NVRTC and the `a` targets ---------------------------------------------------------------

std::string with_ptx(const std::string& instruction) {
    return R"(#include "kernelcoach.h"
extern "C" __global__ void vector_add(const float* a, const float* b, float* out, int n)
{
    asm volatile(")" + instruction + R"(" ::: "memory");
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = a[i] + b[i];
}
constexpr Launch launch(Problem p) { return Launch{.grid = {unsigned((p.n + 255) / 256)}, .block = {256}}; }
)";
}

class ArchSpecificCompile : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        if (!compile::check_arch(90)) GTEST_SKIP() << "this NVRTC does not build sm_90";
    }
};

TEST_P(ArchSpecificCompile, BuildsForSm90aAndIsRefusedForSm90) {
    auto req = vector_add_request(with_ptx(GetParam()));
    req.sm = 90;
    req.arch_specific = true;
    auto a = compile::compile(req, {});
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_TRUE(a->ok) << a->summary << "\n" << a->log;
    EXPECT_EQ(a->arch, "sm_90a");
    EXPECT_NE(std::find(a->options.begin(), a->options.end(), "-arch=sm_90a"), a->options.end());

    req.arch_specific = false;
    auto plain = compile::compile(req, {});
    ASSERT_TRUE(plain) << plain.error().message;
    EXPECT_FALSE(plain->ok) << "sm_90 accepted " << GetParam();
    EXPECT_EQ(plain->arch, "sm_90");
    EXPECT_TRUE(contains(plain->summary, "not supported on .target 'sm_90'")) << plain->summary;
    EXPECT_NE(plain->key, a->key);
}

INSTANTIATE_TEST_SUITE_P(Instructions, ArchSpecificCompile,
                         ::testing::Values("wgmma.fence.sync.aligned;", "setmaxnreg.inc.sync.aligned.u32 232;"));

TEST(ArchSpecific, TheTargetIsInTheCacheKey) {
    auto req = vector_add_request(with_ptx("membar.cta;"));
    req.sm = 90;
    auto plain = compile::compile(req, {});
    req.arch_specific = true;
    auto specific = compile::compile(req, {});
    ASSERT_TRUE(plain && plain->ok && specific && specific->ok);
    EXPECT_NE(plain->key, specific->key);
}

// ---- module.json "arch" ----------------------------------------------------------------------

std::string manifest(const std::string& extra) {
    return R"({"format": 1, "title": "T", "exercise": "vector-add", "kernel": "k", "starter": "PASSED",
               "cases": [{"name": "a", "n": 1}])" +
           extra + "}";
}

TEST(ManifestArch, AnArchSpecificTargetSetsTheMinimumToo) {
    auto m = course::parse_manifest(manifest(R"(, "arch": "sm_90a")"), "m.json");
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->arch_sm, 90);
    EXPECT_EQ(m->min_sm, 90);
    auto b = course::parse_manifest(manifest(R"(, "arch": "sm_100a", "min_sm": 100)"), "m.json");
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ(b->arch_sm, 100);
    auto none = course::parse_manifest(manifest(""), "m.json");
    ASSERT_TRUE(none) << none.error().message;
    EXPECT_EQ(none->arch_sm, 0);
}

TEST(ManifestArch, RefusesAnythingButAKnownArchSpecificTarget) {
    for (const char* bad : {R"("sm_90")", R"("90a")", R"("sm_80a")", R"("sm_89a")", R"(90)", R"("hopper")"}) {
        auto m = course::parse_manifest(manifest(std::string(R"(, "arch": )") + bad), "m.json");
        ASSERT_FALSE(m) << bad;
        EXPECT_TRUE(contains(m.error().message, "m.json: arch:")) << m.error().message;
        EXPECT_TRUE(contains(m.error().message, "sm_90a")) << m.error().message;
    }
}

TEST(ManifestArch, AMinimumThatContradictsTheTargetIsRefused) {
    auto m = course::parse_manifest(manifest(R"(, "arch": "sm_90a", "min_sm": 80)"), "m.json");
    ASSERT_FALSE(m);
    EXPECT_TRUE(contains(m.error().message, "min_sm")) << m.error().message;
    EXPECT_TRUE(contains(m.error().message, "90")) << m.error().message;
}

}  // namespace
}  // namespace kc::test

namespace kc::test {
namespace {

TEST(FileArch, ALineNamesTheFilesOwnArchSpecificTarget) {
    EXPECT_EQ(*compile::file_arch("// a GEMM\n#include \"kernelcoach.h\"\n"), 0);
    EXPECT_EQ(*compile::file_arch("// TMA + wgmma\n// arch: sm_90a\n#include \"kernelcoach.h\"\n"), 90);
    EXPECT_EQ(*compile::file_arch("  //arch:   sm_100a  \r\n"), 100);
    // Only a comment line counts: code and other comments that mention arch do not.
    EXPECT_EQ(*compile::file_arch("int arch = 90; // arch of the tile\n"), 0);
    EXPECT_EQ(*compile::file_arch("/* arch: sm_90a */\n"), 0);
}

TEST(FileArch, AnArchThatIsNotASpecificTargetIsAnError) {
    for (const char* bad : {"// arch: sm_90\n", "// arch: sm_80a\n", "// arch: hopper\n", "// arch: sm_89a\n"}) {
        auto a = compile::file_arch(bad);
        ASSERT_FALSE(a) << bad;
        EXPECT_NE(a.error().message.find("sm_90a"), std::string::npos) << a.error().message;
    }
}

TEST(FileArch, AFilesArchSkipsOnAnotherGpuInTheFilesWords) {
    engine::TargetQuery q;
    q.min_sm = 80;
    q.module_arch = 90;
    q.arch_from_file = true;
    wire::Device gpu;
    gpu.name = "NVIDIA A100";
    gpu.sm = 80;
    q.gpu = gpu;
    auto t = engine::choose_target(q);
    EXPECT_NE(t.skip.find("this file (its `// arch:` line) is compiled for sm_90a"), std::string::npos) << t.skip;
    gpu.sm = 90;
    q.gpu = gpu;
    t = engine::choose_target(q);
    EXPECT_EQ(t.skip, "");
    EXPECT_TRUE(t.arch.specific);
    EXPECT_EQ(t.arch.sm, 90);
}

}  // namespace
}  // namespace kc::test
