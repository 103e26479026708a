// kernelcoach info: versions and tools, with or without a GPU.
#include <gtest/gtest.h>

#include <algorithm>

#include "compile/toolkit.h"
#include "support/cli.h"

namespace kc::test {
namespace {

TEST(Info, ReportsLibraryVersionsAndTools) {
    auto r = run_cli({"--course", fixture_course().string(), "--json", "info"});
    EXPECT_EQ(r.exit_code, 0) << r.err;  // info says what it found, GPU or not
    auto j = r.json();
    EXPECT_FALSE(j["nvrtc"].get<std::string>().empty());
    for (const char* lib : {"cublas", "cudnn"}) {  // "13.1.0", "9.19.0"
        auto v = j[lib].get<std::string>();
        EXPECT_EQ(std::count(v.begin(), v.end(), '.'), 2) << lib << " " << v;
        EXPECT_NE(v.substr(0, 2), "0.") << lib << " " << v;
    }
    EXPECT_TRUE(j.contains("compute_sanitizer"));
    EXPECT_TRUE(j.contains("ncu"));
    // Without a GPU the reason is given.
    if (!j["gpu"]["available"].get<bool>()) EXPECT_FALSE(j["gpu"]["reason"].get<std::string>().empty());
}

TEST(Info, RecalibrateWithoutAGpuSaysSo) {
    auto r = run_cli({"--course", fixture_course().string(), "info", "--recalibrate"});
    if (r.out.find("GPU: none usable") == std::string::npos) GTEST_SKIP() << "a GPU is here: the GPU tests cover it";
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("--recalibrate: no GPU, nothing to measure"), std::string::npos) << r.out;
}

TEST(Info, FindsToolsOnThePath) {
    EXPECT_FALSE(compile::find_tool("sh").empty() && compile::find_tool("ls").empty());  // sanity: PATH is read
    EXPECT_TRUE(compile::find_tool("no-such-tool-kernelcoach").empty());
}

}  // namespace
}  // namespace kc::test
