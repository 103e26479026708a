// End-to-end grading on a real GPU: the kernelcoach binary on fixture modules and on the
// course's own solution and controls. Each test SKIPS (visibly) where no GPU is usable.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "gpu/device.h"
#include "support/cli.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;

class Gpu : public ::testing::Test {
protected:
    void SetUp() override {
        static const auto device = gpu::open_device();
        if (!device) GTEST_SKIP() << "no usable GPU: " << device.error().message;
    }
};

nlohmann::json result_of(const CliRun& r) {
    auto j = r.json();
    return j.at("result");
}

TEST_F(Gpu, CorrectKernelPassesWithTiming) {
    TempDir dir;
    copy_course(fixture_course(), dir.path());
    auto r = run_cli({"--course", dir.path().string(), "--json", "run", "fixtures/01"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto res = result_of(r);
    EXPECT_EQ(res["verdict"], "PASSED");
    ASSERT_TRUE(res.contains("timing"));
    EXPECT_GT(res["timing"]["gbps"].get<double>(), 10.0);
    EXPECT_GT(res["timing"]["vendor_ratio"].get<double>(), 0.0);
    // The pass is recorded.
    auto p = run_cli({"--course", dir.path().string(), "--json", "progress"});
    EXPECT_NE(p.out.find("fixtures/01"), std::string::npos);
}

TEST_F(Gpu, WrongKernelIsExplained) {
    TempDir dir;
    copy_course(fixture_course(), dir.path());
    auto r = run_cli({"--course", dir.path().string(), "--json", "run", "fixtures/02"});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    auto res = result_of(r);
    EXPECT_EQ(res["verdict"], "WRONG");
    bool explained = false;
    for (const auto& c : res["cases"])
        if (c["verdict"] == "WRONG" && c.contains("check")) {
            EXPECT_GT(c["check"]["mismatches"].get<size_t>(), 0u);
            EXPECT_TRUE(c["check"].contains("first"));
            explained = true;
        }
    EXPECT_TRUE(explained) << r.out;
}

TEST_F(Gpu, WildPointerIsCrashed) {
    TempDir dir;
    copy_course(fixture_course(), dir.path());
    auto r = run_cli({"--course", dir.path().string(), "--json", "run", "fixtures/04"});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_EQ(result_of(r)["verdict"], "CRASHED");
}

// 1 MiB past the end of a buffer: past the guard zone, into the unmapped granule after it.
TEST_F(Gpu, OverrunPastTheGuardZoneFaultsAtOnce) {
    TempDir dir;
    copy_course(fixture_course(), dir.path());
    auto r = run_cli({"--course", dir.path().string(), "--json", "run", "fixtures/08"});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_EQ(result_of(r)["verdict"], "CRASHED");
}

TEST_F(Gpu, InfiniteLoopIsTimedOut) {
    TempDir dir;
    copy_course(fixture_course(), dir.path());
    auto r = run_cli({"--course", dir.path().string(), "--json", "run", "fixtures/05", "--timeout", "4"});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_EQ(result_of(r)["verdict"], "TIMED_OUT");
}

TEST_F(Gpu, CheckAllGoesOnAfterCrashAndHang) {
    TempDir dir;
    copy_course(fixture_course(), dir.path());
    auto r = run_cli({"--course", dir.path().string(), "--json", "check", "--all", "--timeout", "4"});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    auto j = r.json();
    std::map<std::string, std::string> got;
    for (const auto& res : j["results"]) got[res["module"]] = res.value("verdict", "ERROR");
    EXPECT_EQ(got["fixtures/01"], "PASSED");
    EXPECT_EQ(got["fixtures/02"], "WRONG");
    EXPECT_EQ(got["fixtures/03"], "COMPILE_ERROR");
    EXPECT_EQ(got["fixtures/04"], "CRASHED");
    EXPECT_EQ(got["fixtures/05"], "TIMED_OUT");
    EXPECT_EQ(got["fixtures/06"], "WRONG");
    EXPECT_EQ(got["fixtures/08"], "CRASHED");
    EXPECT_EQ(got["fixtures/15/add"], "PASSED");
    EXPECT_EQ(got["fixtures/15/convert"], "WRONG");
    EXPECT_EQ(got["fixtures/16"], "PASSED");  // at least 0.3x the vendor and 4x its own 16-block build
    EXPECT_EQ(got["fixtures/17"], "PASSED");  // bf16 on tensor cores: the cuBLASLt bound and speed of light
}

// A module with parts (fixtures/15): each part graded and recorded on its own; the module is failed
// until every part passes; dev check gives every part's starter, solution and control its verdict.
TEST_F(Gpu, AModuleWithPartsIsGradedPartByPart) {
    TempDir dir;
    copy_course(fixture_course(), dir.path());
    auto kc = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {"--course", dir.path().string(), "--json"});
        return run_cli(args);
    };
    auto r = kc({"run", "fixtures/15"});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    const auto j = r.json();
    EXPECT_EQ(j["module"]["passed"], 1) << r.out;
    ASSERT_EQ(j["results"].size(), 2u) << r.out;
    EXPECT_EQ(j["results"][0]["verdict"], "PASSED") << j["results"][0]["summary"];
    EXPECT_EQ(j["results"][1]["verdict"], "WRONG") << j["results"][1]["summary"];
    const auto listed = kc({"list"}).json();
    for (const auto& m : listed["modules"])
        if (m["id"] == "fixtures/15") {
            EXPECT_EQ(m["status"], "not-started");  // add passed; convert, untouched, is not started
            EXPECT_EQ(m["parts"][0]["status"], "passed");
        }
    // The learner fixes convert: both parts pass, so does the module.
    fs::copy_file(dir.path() / "tracks/fixtures/module-15-parts/solution/convert.cu",
                  dir.path() / "tracks/fixtures/module-15-parts/convert.cu", fs::copy_options::overwrite_existing);
    auto fixed = kc({"run", "fixtures/15/convert"});
    EXPECT_EQ(fixed.exit_code, 0) << fixed.out << fixed.err;
    const auto after = kc({"list"}).json();  // alive through the loop
    for (const auto& m : after["modules"])
        if (m["id"] == "fixtures/15") EXPECT_EQ(m["status"], "passed");

    TempDir clean;
    copy_course(fixture_course(), clean.path());
    auto dev = run_cli({"--course", clean.path().string(), "--json", "dev", "check", "fixtures/15"});
    const auto d = dev.json();
    EXPECT_EQ(dev.exit_code, 0) << dev.out;
    EXPECT_EQ(d["failed"], 0) << dev.out;
    EXPECT_EQ(d["skipped"], 0) << dev.out;
}

TEST_F(Gpu, DevicePrintfReachesTheLearner) {
    TempDir dir;
    copy_course(fixture_course(), dir.path());
    fs::path k = dir.path() / "tracks/fixtures/module-01-pass/kernel.cu";
    std::ofstream(k) << R"(#include "kernelcoach.h"
extern "C" __global__ void vector_add(const float* a, const float* b, float* out, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i == 0) printf("hello from thread 0, n = %d\n", n);
    if (i < n) out[i] = a[i] + b[i];
}
constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned((p.n + 255) / 256)}, .block = {256}};
}
)";
    auto r = run_cli({"--course", dir.path().string(), "--json", "run", "fixtures/01", "--no-timing"});
    auto res = result_of(r);
    EXPECT_EQ(res["verdict"], "PASSED") << r.out << r.err;
    EXPECT_NE(res.value("output", "").find("hello from thread 0, n = 1000"), std::string::npos) << r.out;
}

// Tracks 0 and 1, which check in about two minutes; the optimization track's timed controls take
// many more (tools/gpu-check and tools/gpu-modules dev-check it on the GPU machine).
TEST_F(Gpu, DevCheckPassesTheFirstTwoTracks) {
    TempDir dir;
    copy_course(source_dir(), dir.path());
    auto r = run_cli({"--course", dir.path().string(), "--json", "dev", "check", "basics/00", "missing-elements/01",
                      "missing-elements/02", "missing-elements/03", "missing-elements/04", "missing-elements/05"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    auto j = r.json();
    EXPECT_EQ(j["failed"], 0) << r.out;
    EXPECT_EQ(j["skipped"], 0) << r.out;
}

TEST_F(Gpu, VectorAddSolutionAndControlsGetTheirVerdicts) {
    fs::path module = source_dir() / "tracks/missing-elements/module-01-vector-add";
    auto manifest = nlohmann::json::parse(std::ifstream(module / "module.json"));
    TempDir dir;
    copy_course(source_dir(), dir.path());
    auto sol = run_cli({"--course", dir.path().string(), "--json", "run", "missing-elements/01", "--file",
                        (module / "solution/kernel.cu").string()});
    EXPECT_EQ(result_of(sol)["verdict"], "PASSED") << sol.out << sol.err;
    for (const auto& c : manifest["controls"]) {
        std::vector<std::string> args = {"--course", dir.path().string(), "--json", "run", "missing-elements/01",
                                         "--file", (module / c["file"].get<std::string>()).string()};
        if (!c.value("timed", false)) args.push_back("--no-timing");
        auto r = run_cli(args);
        EXPECT_EQ(result_of(r)["verdict"], c["expect"]) << c["file"] << "\n" << r.out << r.err;
    }
}

}  // namespace
}  // namespace kc::test
