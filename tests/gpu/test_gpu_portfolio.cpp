// A learner's own module end to end on a real GPU (issue 17): `kernelcoach new` scaffolds the
// worked example (a fused bias + ReLU), then the real `kernelcoach run` grades its solution
// (PASSED, its float64 truth from reference.cpp built and loaded by the worker), its control
// (WRONG in case 'odd'), its empty starter (WRONG), and `dev check` the whole module. Each test
// SKIPS (visibly) where no GPU is usable.
#include <gtest/gtest.h>

#include "gpu/device.h"
#include "support/cli.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;

class GpuPortfolio : public ::testing::Test {
protected:
    void SetUp() override {
        static const auto device = gpu::open_device();
        if (!device) GTEST_SKIP() << "no usable GPU: " << device.error().message;
        fs::create_directories(dir_.path() / "tracks");
        auto r = kc({"new", "bias-relu"});
        ASSERT_EQ(r.exit_code, 0) << show(r);
    }
    CliRun kc(std::vector<std::string> args) const {
        args.insert(args.begin(), {"--course", dir_.path().string()});
        return run_cli(args);
    }
    fs::path module() const { return dir_.path() / "tracks/portfolio/module-01-bias-relu"; }
    // `run portfolio/01 --file F` as JSON: the grade's result.
    nlohmann::json grade(const std::string& file, CliRun* raw = nullptr) const {
        auto r = kc({"--json", "run", "portfolio/01", "--file", (module() / file).string()});
        if (raw) *raw = r;
        return r.json().at("result");
    }

private:
    TempDir dir_;
};

TEST_F(GpuPortfolio, TheSolutionPasses) {
    CliRun r;
    const auto res = grade("solution/kernel.cu", &r);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(res["verdict"], "PASSED") << r.out;
    ASSERT_TRUE(res.contains("timing")) << r.out;  // the timed case, against the copy (of_light 0.6)
    for (const auto& c : res["cases"]) EXPECT_EQ(c["verdict"], "PASSED") << c.dump();
}

TEST_F(GpuPortfolio, TheControlIsWrongWhereItsLessonSays) {
    CliRun r;
    const auto res = grade("controls/bias-by-row.cu", &r);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_EQ(res["verdict"], "WRONG") << r.out;
    bool odd_wrong = false;
    for (const auto& c : res["cases"]) odd_wrong = odd_wrong || (c["name"] == "odd" && c["verdict"] == "WRONG");
    EXPECT_TRUE(odd_wrong) << r.out;
}

TEST_F(GpuPortfolio, TheEmptyStarterIsWrongAndDevCheckAgrees) {
    CliRun r;
    EXPECT_EQ(grade("kernel.cu", &r)["verdict"], "WRONG") << r.out << r.err;
    auto dev = kc({"--json", "dev", "check", "portfolio/01"});
    const auto d = dev.json();
    EXPECT_EQ(dev.exit_code, 0) << dev.out << dev.err;
    EXPECT_EQ(d["failed"], 0) << dev.out;
    EXPECT_EQ(d["skipped"], 0) << dev.out;
}

}  // namespace
}  // namespace kc::test
