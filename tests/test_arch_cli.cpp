// Issue 13, points 7 and 8, end to end with the real binary on the fixture course and no GPU
// (--compile-only): kc::device sizing a persistent grid, its shared-memory limit as a launch
// rule, an sm_90a module with thread-block clusters, and --arch 90a. tests/gpu/test_gpu_arch.cpp
// grades the same fixtures on a GPU.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "compile/device_constants.h"
#include "support/cli.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;

class ArchCli : public ::testing::Test {
protected:
    void SetUp() override { copy_course(fixture_course(), dir.path()); }
    CliRun kc(std::vector<std::string> args) const {
        args.insert(args.begin(), "--json");
        args.push_back("--compile-only");
        return run_cli(args, dir.path());
    }
    std::string control(const std::string& module, const std::string& file) const {
        return (dir.path() / "tracks/fixtures" / module / "controls" / file).string();
    }
    TempDir dir;
};

std::vector<unsigned> grids(const nlohmann::json& result) {
    std::vector<unsigned> out;
    for (const auto& g : result.at("geometry")) out.push_back(g.at("launch").at("grid")[0].get<unsigned>());
    return out;
}

TEST_F(ArchCli, APersistentGridIsOneWaveOfTheTargetGpu) {
    for (const char* arch : {"75", "90", "sm_120"}) {
        auto r = kc({"run", "fixtures/10", "--arch", arch});
        ASSERT_EQ(r.exit_code, 3) << show(r);  // compiled; not run
        const auto res = r.json().at("result");
        const std::string digits = std::string(arch).substr(std::string(arch).find_first_of("0123456789"));
        const auto d = compile::default_constants(std::stoi(digits));
        const unsigned wave = static_cast<unsigned>(d.sm_count * (d.max_threads_per_sm / 256));
        // n = 1, 1000, 1048583: 1 and 4 blocks, then the wave (every row's wave is under 4097).
        EXPECT_EQ(grids(res), (std::vector<unsigned>{1, 4, wave})) << arch << "\n" << r.out;
    }
}

TEST_F(ArchCli, OneByteMoreSharedMemoryThanTheTargetAllowsIsWrongWithoutRunning) {
    auto r = kc({"run", "fixtures/10", "--arch", "90", "--file",
                 control("module-10-device-constants", "one-byte-too-much-shared.cu")});
    ASSERT_EQ(r.exit_code, 1) << show(r);
    const auto res = r.json().at("result");
    EXPECT_EQ(res.at("verdict"), "WRONG");
    const std::string summary = res.at("summary");
    EXPECT_TRUE(contains(summary, "232449 bytes of dynamic shared memory")) << summary;
    EXPECT_TRUE(contains(summary, "at most 232448")) << summary;
}

TEST_F(ArchCli, ExactlyTheSharedMemoryTheTargetAllowsIsLegal) {
    auto r = kc({"run", "fixtures/10", "--file", control("module-10-device-constants", "all-the-shared-memory.cu")});
    EXPECT_EQ(r.exit_code, 3) << show(r);  // compiled, geometry legal; not run
    EXPECT_EQ(r.json().at("result").at("verdict"), "SKIPPED");
}

TEST_F(ArchCli, AnSm90aModuleIsBuiltForItsTargetWithClusters) {
    for (std::vector<std::string> extra : {std::vector<std::string>{}, {"--arch", "90a"}, {"--arch", "sm_90"}}) {
        std::vector<std::string> args = {"run", "fixtures/11"};
        args.insert(args.end(), extra.begin(), extra.end());
        auto r = kc(args);
        ASSERT_EQ(r.exit_code, 3) << show(r);
        const auto res = r.json().at("result");
        EXPECT_EQ(res.at("compile").at("arch"), "sm_90a") << r.out;
        EXPECT_EQ(grids(res), (std::vector<unsigned>{2, 4, 4098})) << r.out;
        for (const auto& g : res.at("geometry"))
            EXPECT_EQ(g.at("launch").at("cluster"), nlohmann::json({2, 1, 1})) << r.out;
    }
}

TEST_F(ArchCli, AnArchThatCannotBuildTheModuleIsSkippedWithTheReason) {
    auto r = kc({"run", "fixtures/11", "--arch", "80"});
    ASSERT_EQ(r.exit_code, 3) << show(r);
    const auto res = r.json().at("result");
    EXPECT_EQ(res.at("verdict"), "SKIPPED");
    const std::string summary = res.at("summary");
    EXPECT_TRUE(contains(summary, "sm_90a")) << summary;
    EXPECT_TRUE(contains(summary, "H100/H200")) << summary;
    EXPECT_TRUE(contains(summary, "--arch 90a builds it")) << summary;
    EXPECT_FALSE(res.at("compile").value("compiled", false)) << r.out;
}

TEST_F(ArchCli, AGridThatIsNotAWholeNumberOfClustersIsWrongWithoutRunning) {
    auto r = kc({"run", "fixtures/11", "--file",
                 control("module-11-cluster", "cluster-does-not-divide-the-grid.cu")});
    ASSERT_EQ(r.exit_code, 1) << show(r);
    const auto res = r.json().at("result");
    EXPECT_EQ(res.at("verdict"), "WRONG");
    const std::string summary = res.at("summary");
    EXPECT_TRUE(contains(summary, "case 'one'")) << summary;
    EXPECT_TRUE(contains(summary, "grid.x = 1 is not a multiple of cluster.x = 2")) << summary;
}

TEST_F(ArchCli, ArchRefusesAnArchSpecificTargetBeforeSm90) {
    auto r = run_cli({"run", "fixtures/01", "--arch", "sm_80a", "--compile-only"}, dir.path());
    EXPECT_EQ(r.exit_code, 2) << show(r);
    EXPECT_TRUE(contains(r.err, "--arch")) << show(r);
    EXPECT_TRUE(contains(r.err, "sm_90a")) << show(r);
}

TEST_F(ArchCli, InfoSaysWhatAnArchSpecificModuleNeedsAndShowsKcDevice) {
    auto text = run_cli({"info", "fixtures/11"}, dir.path());
    ASSERT_EQ(text.exit_code, 0) << show(text);
    EXPECT_TRUE(contains(text.out, "an sm_90 GPU (H100/H200): compiled for sm_90a")) << text.out;
    EXPECT_TRUE(contains(text.out, "inline constexpr Device device")) << text.out;
    auto j = run_cli({"--json", "info", "fixtures/11"}, dir.path()).json();
    EXPECT_EQ(j.at("arch"), "sm_90a");
    EXPECT_EQ(j.at("min_sm"), 90);
    EXPECT_TRUE(contains(j.at("header").get<std::string>(), "Dim cluster;"));
}

}  // namespace
}  // namespace kc::test
