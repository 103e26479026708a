// The speed-of-light cache: one entry per GPU and driver, other entries kept, files it cannot
// read named in the error and replaced on save, and the one-line description.
#include "engine/speed_of_light.h"
#include "support/cli.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using kc::engine::SpeedOfLight;

std::string slurp(const fs::path& path) { return kc::test::read_text(path); }
void spit(const fs::path& path, const std::string& text) { kc::test::write_text(path, text); }

SpeedOfLight h100(int driver = 13000, double copy_gbps = 2970.4) {
    SpeedOfLight s;
    s.uuid = "GPU-1b2c3d4e-0000-1111-2222-333344445555";
    s.driver_version = driver;
    s.device = "NVIDIA H100 80GB HBM3";
    s.measured_at = "2026-11-25T23:40:00Z";
    s.copy_gbps = copy_gbps;
    s.copy_bytes = 1073741824;
    s.gemm_size = 8192;
    s.fp32_tflops = 51.23;
    s.tf32_tflops = 380.4;
    s.fp16_tflops = 700.2;
    s.bf16_tflops = 705.1;
    s.gemm_library = "cuBLAS 13.1.0";
    s.seconds = 4.25;
    return s;
}

SpeedOfLight a100() {
    SpeedOfLight s = h100();
    s.uuid = "GPU-99999999-aaaa-bbbb-cccc-dddddddddddd";
    s.device = "NVIDIA A100-SXM4-80GB";
    s.copy_gbps = 1720;
    return s;
}

void expect_same(const SpeedOfLight& a, const SpeedOfLight& b) {
    EXPECT_EQ(a.uuid, b.uuid);
    EXPECT_EQ(a.driver_version, b.driver_version);
    EXPECT_EQ(a.device, b.device);
    EXPECT_EQ(a.measured_at, b.measured_at);
    EXPECT_EQ(a.copy_gbps, b.copy_gbps);
    EXPECT_EQ(a.copy_bytes, b.copy_bytes);
    EXPECT_EQ(a.gemm_size, b.gemm_size);
    EXPECT_EQ(a.fp32_tflops, b.fp32_tflops);
    EXPECT_EQ(a.tf32_tflops, b.tf32_tflops);
    EXPECT_EQ(a.fp16_tflops, b.fp16_tflops);
    EXPECT_EQ(a.bf16_tflops, b.bf16_tflops);
    EXPECT_EQ(a.gemm_library, b.gemm_library);
    EXPECT_EQ(a.seconds, b.seconds);
}

class SpeedOfLightFile : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "kc-sol-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        root_ = tmpl;
        file_ = kc::engine::speed_of_light_path(root_ / ".kernelcoach");
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(root_, ec);
    }

    std::optional<SpeedOfLight> load(const SpeedOfLight& key) {
        auto found = kc::engine::load_speed_of_light(file_, key.uuid, key.driver_version);
        EXPECT_TRUE(found.ok()) << found.error().message;
        return found.ok() ? *found : std::nullopt;
    }
    void save(const SpeedOfLight& s) {
        auto ok = kc::engine::save_speed_of_light(file_, s);
        ASSERT_TRUE(ok.ok()) << ok.error().message;
    }

    fs::path root_;
    fs::path file_;
};

TEST_F(SpeedOfLightFile, PathIsInTheStateFolder) {
    EXPECT_EQ(file_, root_ / ".kernelcoach" / "speed-of-light.json");
}

TEST_F(SpeedOfLightFile, MissingFileIsNothingAndCreatesNothing) {
    EXPECT_FALSE(load(h100()));
    EXPECT_FALSE(fs::exists(root_ / ".kernelcoach")) << "load must not create anything";
}

TEST_F(SpeedOfLightFile, RoundTrip) {
    save(h100());
    std::string text = slurp(file_);
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n');
    json doc = json::parse(text);
    EXPECT_EQ(doc["schema"], 1);
    ASSERT_EQ(doc["devices"].size(), 1u);
    EXPECT_EQ(doc["devices"][0]["uuid"], h100().uuid);
    EXPECT_EQ(doc["devices"][0]["driver_version"], 13000);

    auto found = load(h100());
    ASSERT_TRUE(found);
    expect_same(*found, h100());
}

TEST_F(SpeedOfLightFile, JsonRoundTripAndMissingFieldsReadAsZero) {
    expect_same(json(h100()).get<SpeedOfLight>(), h100());

    auto old = json{{"uuid", "GPU-x"}, {"driver_version", 12040}, {"copy_gbps", 900}}.get<SpeedOfLight>();
    EXPECT_EQ(old.uuid, "GPU-x");
    EXPECT_EQ(old.driver_version, 12040);
    EXPECT_EQ(old.copy_gbps, 900);
    EXPECT_EQ(old.gemm_size, 0);
    EXPECT_EQ(old.bf16_tflops, 0);
    EXPECT_EQ(old.seconds, 0);
    EXPECT_EQ(old.gemm_library, "");
}

TEST_F(SpeedOfLightFile, AnOlderFileWithFewerFieldsStillReads) {
    spit(file_, R"({"schema": 1, "devices": [{"uuid": "GPU-x", "driver_version": 12040, "copy_gbps": 900}]})");
    auto found = kc::engine::load_speed_of_light(file_, "GPU-x", 12040);
    ASSERT_TRUE(found.ok()) << found.error().message;
    ASSERT_TRUE(*found);
    EXPECT_EQ((*found)->copy_gbps, 900);
    EXPECT_EQ((*found)->fp32_tflops, 0);
}

TEST_F(SpeedOfLightFile, TwoGpusAreKept) {
    save(h100());
    save(a100());
    auto first = load(h100());
    auto second = load(a100());
    ASSERT_TRUE(first);
    ASSERT_TRUE(second);
    expect_same(*first, h100());
    expect_same(*second, a100());
    EXPECT_EQ(json::parse(slurp(file_))["devices"].size(), 2u);
}

TEST_F(SpeedOfLightFile, AnotherDriverIsASeparateEntry) {
    save(h100(13000, 2970));
    save(h100(13010, 3010));
    EXPECT_EQ(json::parse(slurp(file_))["devices"].size(), 2u);

    auto old_driver = load(h100(13000));
    ASSERT_TRUE(old_driver);
    EXPECT_EQ(old_driver->copy_gbps, 2970);
    auto new_driver = load(h100(13010));
    ASSERT_TRUE(new_driver);
    EXPECT_EQ(new_driver->copy_gbps, 3010);
    EXPECT_FALSE(load(h100(12090))) << "a driver never measured has no entry";
}

TEST_F(SpeedOfLightFile, SavingTheSameGpuAndDriverReplacesItsEntry) {
    save(h100(13000, 2970));
    save(a100());
    save(h100(13000, 2990));
    json doc = json::parse(slurp(file_));
    ASSERT_EQ(doc["devices"].size(), 2u);
    EXPECT_EQ(doc["devices"][0]["copy_gbps"], 2990) << "replaced in place";
    auto found = load(h100());
    ASSERT_TRUE(found);
    EXPECT_EQ(found->copy_gbps, 2990);
    expect_same(*load(a100()), a100());
}

TEST_F(SpeedOfLightFile, OtherEntriesKeepFieldsThisCodeDoesNotKnow) {
    json other = a100();
    other["l2_gbps"] = 9000;
    spit(file_, json{{"schema", 1}, {"devices", {other}}, {"note", "kept"}}.dump());
    save(h100());
    json doc = json::parse(slurp(file_));
    ASSERT_EQ(doc["devices"].size(), 2u);
    EXPECT_EQ(doc["devices"][0]["l2_gbps"], 9000);
    EXPECT_EQ(doc["note"], "kept");
}

TEST_F(SpeedOfLightFile, CorruptFileIsAnErrorNamingItAndSaveReplacesIt) {
    for (const char* text : {"{not json", "[1, 2]", R"({"devices": []})", R"({"schema": 2, "devices": []})",
                             R"({"schema": 1, "devices": {}})", R"({"schema": 1, "devices": [3]})",
                             R"({"schema": 1, "devices": [{"uuid": "GPU-x", "copy_gbps": "fast"}]})"}) {
        SCOPED_TRACE(text);
        spit(file_, text);
        auto found = kc::engine::load_speed_of_light(file_, h100().uuid, 13000);
        ASSERT_FALSE(found.ok());
        EXPECT_NE(found.error().message.find(file_.string()), std::string::npos) << found.error().message;

        save(h100());
        auto again = load(h100());
        ASSERT_TRUE(again);
        expect_same(*again, h100());
        EXPECT_EQ(json::parse(slurp(file_))["devices"].size(), 1u);
    }
}

TEST_F(SpeedOfLightFile, SaveRefusesAnEntryWithoutUuidOrWithNonFiniteNumbers) {
    SpeedOfLight s = h100();
    s.uuid.clear();
    EXPECT_FALSE(kc::engine::save_speed_of_light(file_, s).ok());
    s = h100();
    s.copy_gbps = std::numeric_limits<double>::quiet_NaN();
    EXPECT_FALSE(kc::engine::save_speed_of_light(file_, s).ok());
    EXPECT_FALSE(fs::exists(file_));
}

TEST_F(SpeedOfLightFile, NoTemporariesAreLeftBehind) {
    save(h100());
    save(a100());
    for (const auto& e : fs::directory_iterator(file_.parent_path())) {
        EXPECT_EQ(e.path().filename(), "speed-of-light.json") << e.path();
    }
}

TEST(SpeedOfLightDescribe, FullMeasurement) {
    EXPECT_EQ(kc::engine::describe(h100()),
              "H100: copy 2970 GB/s; GEMM fp32 51.2, TF32 380, fp16 700, bf16 705 TFLOP/s "
              "(cuBLAS 13.1.0, 8192^3), measured 2026-11-25");
}

TEST(SpeedOfLightDescribe, ZerosAreNotMeasured) {
    SpeedOfLight s = h100();
    s.tf32_tflops = 0;
    s.bf16_tflops = 0;
    EXPECT_EQ(kc::engine::describe(s),
              "H100: copy 2970 GB/s; GEMM fp32 51.2, TF32 not measured, fp16 700 TFLOP/s, bf16 not measured "
              "(cuBLAS 13.1.0, 8192^3), measured 2026-11-25");

    SpeedOfLight bare;
    bare.device = "NVIDIA L4";
    EXPECT_EQ(kc::engine::describe(bare), "L4: copy not measured; GEMM not measured");
}

TEST(SpeedOfLightDescribe, SmallNumbersKeepThreeDigitsAndNamesKeepTheirFormFactor) {
    SpeedOfLight s;
    s.device = "NVIDIA H100 PCIe";
    s.copy_gbps = 45.678;
    s.fp32_tflops = 5.126;
    EXPECT_EQ(kc::engine::describe(s), "H100 PCIe: copy 45.7 GB/s; GEMM fp32 5.13 TFLOP/s, TF32 not measured, "
                                       "fp16 not measured, bf16 not measured");
    s.device = "NVIDIA GeForce RTX 4090";
    EXPECT_EQ(kc::engine::describe(s).substr(0, 18), "GeForce RTX 4090: ");
}

}  // namespace
