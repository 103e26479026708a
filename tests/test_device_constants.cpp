// kc::device in kernelcoach.h (issue 13, point 7): the defaults per architecture, the header
// text, its use in launch() and in device code through real NVRTC compiles, the compile cache's
// key following the device, and Launch.cluster read back from the compiled module.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <regex>
#include <string>

#include "compile/compiler.h"
#include "compile/device_constants.h"
#include "exercises/spec.h"
#include "support/cli.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;

// A persistent vector add: one wave of resident 256-thread blocks of the GPU it is compiled for,
// and device code that reads kc::device too.
constexpr const char* kPersistent = R"(#include "kernelcoach.h"
extern "C" __global__ void vector_add(const float* a, const float* b, float* out, int n)
{
    __shared__ float lanes[kc::device.warp_size];  // a constant in device code
    lanes[threadIdx.x % kc::device.warp_size] = 0.0f;
    const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
    for (long long i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
        out[i] = a[i] + b[i] + lanes[0] * kc::device.l2_bytes;
}
constexpr Launch launch(Problem p) {
    constexpr long long wave = kc::device.sm_count * (kc::device.max_threads_per_sm / 256);
    const long long needed = (p.n + 255) / 256;
    return Launch{.grid = {unsigned(needed < wave ? needed : wave)}, .block = {256},
                  .shared_bytes = kc::device.shared_per_block, .cluster = {kc::device.sm >= 90 ? 2u : 1u}};
}
)";

compile::Request request(const compile::DeviceConstants& d, int sm) {
    const auto* spec = exercises::find("vector-add");
    compile::Request r;
    r.source = kPersistent;
    r.display_path = "tracks/x/kernel.cu";
    r.header = exercises::prelude(*spec, d);
    r.kernels = {"vector_add"};
    r.params = {"const float* a, const float* b, float* out, int n"};
    r.problems = {"Problem{1}", "Problem{67108864}"};
    r.case_names = {"one", "large"};
    r.sm = sm;
    return r;
}

TEST(DeviceConstants, EveryArchitectureOfTheIssueHasARowOldestFirst) {
    std::vector<int> sms;
    for (const auto& r : compile::default_rows()) sms.push_back(r.sm);
    EXPECT_EQ(sms, (std::vector<int>{75, 80, 86, 89, 90, 100, 120}));
    for (const auto& r : compile::default_rows()) {
        const auto& v = r.values;
        EXPECT_EQ(v.sm(), r.sm);
        EXPECT_GT(v.sm_count, 0) << r.sm;
        EXPECT_EQ(v.warp_size, 32) << r.sm;
        EXPECT_EQ(v.shared_per_block, 48u * 1024) << r.sm;
        EXPECT_GE(v.shared_per_block_optin, v.shared_per_block) << r.sm;
        EXPECT_LE(v.shared_per_block_optin, v.shared_per_sm) << r.sm;
        EXPECT_EQ(v.regs_per_sm, 65536) << r.sm;
        EXPECT_GE(v.max_threads_per_sm, 1024) << r.sm;
        EXPECT_GT(v.l2_bytes, 0u) << r.sm;
    }
}

TEST(DeviceConstants, TheDefaultsAreTheNamedPartsDataSheet) {
    const auto h100 = compile::default_constants(90);
    EXPECT_EQ(h100.sm_count, 132);
    EXPECT_EQ(h100.shared_per_sm, 228u * 1024);
    EXPECT_EQ(h100.shared_per_block_optin, 227u * 1024);
    EXPECT_EQ(h100.l2_bytes, 50u * 1024 * 1024);
    EXPECT_EQ(h100.max_threads_per_sm, 2048);
    EXPECT_TRUE(contains(h100.source, "H100 SXM5")) << h100.source;
    EXPECT_TRUE(contains(h100.source, "no GPU")) << h100.source;
    const auto a100 = compile::default_constants(80);
    EXPECT_EQ(a100.sm_count, 108);
    EXPECT_EQ(a100.shared_per_block_optin, 163u * 1024);
    EXPECT_EQ(compile::default_constants(75).max_threads_per_sm, 1024);
    EXPECT_EQ(compile::default_constants(86).max_threads_per_sm, 1536);
}

TEST(DeviceConstants, AnArchitectureBetweenRowsTakesTheOlderRowWithItsOwnCapability) {
    const auto orin = compile::default_constants(87);
    EXPECT_EQ(orin.sm(), 87);
    EXPECT_EQ(orin.cc_major, 8);
    EXPECT_EQ(orin.cc_minor, 7);
    EXPECT_EQ(orin.sm_count, compile::default_constants(86).sm_count);
    EXPECT_TRUE(contains(orin.source, "sm_86's row")) << orin.source;
    EXPECT_EQ(compile::default_constants(121).sm_count, compile::default_constants(120).sm_count);
    EXPECT_EQ(compile::default_constants(103).l2_bytes, compile::default_constants(100).l2_bytes);
    // Below the first row: the first row's values, the capability as asked.
    const auto volta = compile::default_constants(70);
    EXPECT_EQ(volta.sm(), 70);
    EXPECT_EQ(volta.sm_count, compile::default_constants(75).sm_count);
}

TEST(DeviceConstants, TheHeaderHoldsEveryValue) {
    compile::DeviceConstants d = compile::default_constants(90);
    d.sm_count = 131;
    d.source = "NVIDIA Test GPU";
    const std::string h = compile::device_header(d);
    for (const char* s : {"namespace kc", "struct Device", "inline constexpr Device device", ".sm = 90", ".cc_major = 9",
                          ".cc_minor = 0", ".sm_count = 131", ".warp_size = 32", ".max_threads_per_sm = 2048",
                          ".regs_per_sm = 65536", ".shared_per_sm = 233472u", ".shared_per_block = 49152u",
                          ".shared_per_block_optin = 232448u", ".l2_bytes = 52428800u", "NVIDIA Test GPU"})
        EXPECT_TRUE(contains(h, s)) << s << "\n" << h;
}

TEST(DeviceConstants, TheSourceCannotBreakOutOfItsComment) {
    compile::DeviceConstants d = compile::default_constants(90);
    d.source = "evil\n#error injected \\";
    const std::string h = compile::device_header(d);
    EXPECT_FALSE(contains(h, "\n#error")) << h;
    EXPECT_FALSE(contains(h, "\\")) << h;
}

TEST(DeviceConstants, ThePreludeIsAPureFunctionOfTheExerciseAndTheDevice) {
    const auto* spec = exercises::find("vector-add");
    ASSERT_NE(spec, nullptr);
    const auto h90 = compile::default_constants(90);
    EXPECT_EQ(exercises::prelude(*spec, h90), exercises::prelude(*spec, h90));
    EXPECT_NE(exercises::prelude(*spec, h90), exercises::prelude(*spec, compile::default_constants(80)));
    const std::string p = exercises::prelude(*spec, h90);
    EXPECT_TRUE(contains(p, "Dim cluster;")) << p;
    EXPECT_TRUE(contains(p, "struct Problem { long long n; };")) << p;
    EXPECT_TRUE(contains(p, compile::device_header(h90))) << p;
}

// The header compiles, its values reach launch() at compile time and device code, and the
// launch's 40 bytes (the cluster included) are read back from the PTX.
TEST(DeviceConstants, LaunchAndDeviceCodeSeeTheDevice) {
    const int sm = compile::default_sm(90);
    compile::DeviceConstants d = compile::default_constants(sm);
    d.sm_count = 100;
    d.max_threads_per_sm = 2048;
    auto out = compile::compile(request(d, sm), {});
    ASSERT_TRUE(out) << out.error().message;
    ASSERT_TRUE(out->ok) << out->summary << "\n" << out->log;
    ASSERT_EQ(out->launches.size(), 2u);
    EXPECT_EQ(out->launches[0].front().grid.x, 1u);
    EXPECT_EQ(out->launches[1].front().grid.x, 800u);  // 100 SMs x 8 blocks of 256 threads
    EXPECT_EQ(out->launches[1].front().shared_bytes, 48u * 1024);
    EXPECT_EQ(out->launches[1].front().cluster.x, sm >= 90 ? 2u : 1u);
    EXPECT_EQ(out->launches[1].front().cluster.y, 1u);
    EXPECT_EQ(out->launches[1].front().cluster.z, 1u);
    // In device code: warp_size sized the shared array (32 floats).
    EXPECT_TRUE(std::regex_search(out->ptx, std::regex(R"(\.shared \.align 4 \.b8 [\w$]+\[128\])"))) << out->ptx;
}

TEST(DeviceConstants, TwoDevicesGiveTwoCacheKeys) {
    TempDir cache;
    const int sm = compile::default_sm(90);
    compile::DeviceConstants one = compile::default_constants(sm);
    compile::DeviceConstants other = one;
    other.sm_count = one.sm_count + 2;  // the same architecture, two SMs more
    auto first = compile::compile(request(one, sm), cache.path());
    ASSERT_TRUE(first && first->ok);
    auto second = compile::compile(request(other, sm), cache.path());
    ASSERT_TRUE(second && second->ok);
    EXPECT_NE(first->key, second->key);
    EXPECT_FALSE(second->cache_hit);  // another device's cubin is never reused
    EXPECT_NE(first->launches[1].front().grid.x, second->launches[1].front().grid.x);
    auto again = compile::compile(request(one, sm), cache.path());
    ASSERT_TRUE(again && again->ok);
    EXPECT_TRUE(again->cache_hit);
    EXPECT_EQ(again->key, first->key);
    EXPECT_EQ(again->launches[1].front().grid.x, first->launches[1].front().grid.x);
}

// docs/grading.md lists the defaults; the list must agree with the table in the code.
TEST(DeviceConstants, TheDocsListTheSameDefaults) {
    const std::string doc = read_text(source_dir() / "docs" / "grading.md");
    ASSERT_FALSE(doc.empty());
    for (const auto& r : compile::default_rows()) {
        const auto& v = r.values;
        const std::string row = fmt::format("| sm_{} | {} | {} | {} | {} | {} | {} |", r.sm, r.part, v.sm_count,
                                            v.max_threads_per_sm, v.shared_per_sm / 1024,
                                            v.shared_per_block_optin / 1024, v.l2_bytes / (1024 * 1024));
        EXPECT_TRUE(contains(doc, row)) << "docs/grading.md lacks the row\n" << row;
    }
}

}  // namespace
}  // namespace kc::test
