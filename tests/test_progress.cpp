// The progress store: counting, passing, best times, keeping what it does not know, refusing
// files it cannot read, and surviving concurrent writers and kills.
#include "progress/store.h"
#include "support/cli.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using kc::progress::Attempt;
using kc::progress::ModuleStatus;
using kc::progress::Store;

constexpr const char* kModule = "missing-elements/01";

std::string slurp(const fs::path& path) { return kc::test::read_text(path); }
void spit(const fs::path& path, const std::string& text) { kc::test::write_text(path, text); }

Attempt attempt(std::string verdict, bool passed, std::string when, std::optional<double> time_ms = {},
                std::string hash = "h", std::string device = "H100") {
    Attempt a;
    a.module_id = kModule;
    a.verdict = std::move(verdict);
    a.passed = passed;
    a.source_hash = std::move(hash);
    a.time_ms = time_ms;
    if (time_ms) {
        a.percent_of_light = 100.0 / *time_ms;
        a.gbps = 1000.0 / *time_ms;
    }
    a.device = std::move(device);
    a.when_utc = std::move(when);
    return a;
}

std::vector<fs::path> temporaries(const fs::path& dir) {
    std::vector<fs::path> found;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (e.path().filename().string().rfind("progress.json.tmp.", 0) == 0) found.push_back(e.path());
    }
    return found;
}

class Progress : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "kc-progress-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        root_ = tmpl;
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(root_, ec);
    }

    fs::path root_;
};

TEST_F(Progress, MissingFileLoadsAsEmpty) {
    Store store(root_);
    EXPECT_EQ(store.file(), root_ / ".kernelcoach" / "progress.json");
    auto modules = store.load();
    ASSERT_TRUE(modules.ok()) << modules.error().message;
    EXPECT_TRUE(modules->empty());
    EXPECT_FALSE(fs::exists(root_ / ".kernelcoach")) << "load() must not create anything";
}

TEST_F(Progress, RecordCreatesSchemaOneFile) {
    Store store(root_);
    auto ok = store.record(attempt("WRONG", false, "2025-01-01T00:00:00Z"));
    ASSERT_TRUE(ok.ok()) << ok.error().message;

    std::string text = slurp(store.file());
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n');
    EXPECT_NE(text.find("\n  \"schema\": 1"), std::string::npos) << "pretty-printed, indent 2:\n" << text;
    json doc = json::parse(text);
    EXPECT_EQ(doc["schema"], 1);
    EXPECT_EQ(doc["modules"][kModule]["attempts"], 1);
    EXPECT_EQ(doc["modules"][kModule]["status"], "failed");
    EXPECT_EQ(doc["modules"][kModule]["last_verdict"], "WRONG");
    EXPECT_TRUE(temporaries(root_ / ".kernelcoach").empty());

    auto modules = store.load();
    ASSERT_TRUE(modules.ok()) << modules.error().message;
    ASSERT_EQ(modules->count(kModule), 1u);
    const auto& m = modules->at(kModule);
    EXPECT_EQ(m.status, ModuleStatus::failed);
    EXPECT_EQ(m.attempts, 1);
    EXPECT_FALSE(m.first_pass);
    EXPECT_FALSE(m.best);
}

TEST_F(Progress, PassStaysPassedAndBestKeepsTheMinimum) {
    Store store(root_);
    ASSERT_TRUE(store.record(attempt("WRONG", false, "2025-01-01T00:00:00Z")).ok());
    ASSERT_TRUE(store.record(attempt("PASS", true, "2025-01-02T00:00:00Z", 2.0, "h2", "A100")).ok());
    ASSERT_TRUE(store.record(attempt("PASS", true, "2025-01-03T00:00:00Z", 1.5, "h3", "H100")).ok());
    ASSERT_TRUE(store.record(attempt("PASS", true, "2025-01-04T00:00:00Z", 3.0, "h4", "L4")).ok());
    ASSERT_TRUE(store.record(attempt("WRONG", false, "2025-01-05T00:00:00Z", {}, "h5")).ok());

    auto modules = store.load();
    ASSERT_TRUE(modules.ok()) << modules.error().message;
    const auto& m = modules->at(kModule);
    EXPECT_EQ(m.attempts, 5);
    EXPECT_EQ(m.status, ModuleStatus::passed);
    EXPECT_TRUE(m.passed());
    EXPECT_EQ(m.last_verdict, "WRONG");
    EXPECT_EQ(m.first_pass, "2025-01-02T00:00:00Z");
    EXPECT_EQ(m.last_pass, "2025-01-04T00:00:00Z");
    EXPECT_EQ(m.last_attempt, "2025-01-05T00:00:00Z");
    EXPECT_EQ(m.passing_source_hash, "h4") << "the latest passing source, not the failing one";
    ASSERT_TRUE(m.best);
    EXPECT_DOUBLE_EQ(m.best->time_ms, 1.5);
    EXPECT_EQ(m.best->device, "H100");
    ASSERT_TRUE(m.best->percent_of_light);
    EXPECT_DOUBLE_EQ(*m.best->percent_of_light, 100.0 / 1.5);
    ASSERT_TRUE(m.best->gbps);
    EXPECT_DOUBLE_EQ(*m.best->gbps, 1000.0 / 1.5);
    EXPECT_EQ(m.hints_shown, 0);
}

TEST_F(Progress, EmptyTimeMeansNow) {
    Store store(root_);
    Attempt a = attempt("PASS", true, "");
    ASSERT_TRUE(store.record(a).ok());
    auto modules = store.load();
    ASSERT_TRUE(modules.ok());
    const auto& m = modules->at(kModule);
    ASSERT_TRUE(m.last_attempt);
    EXPECT_TRUE(std::regex_match(*m.last_attempt, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
        << *m.last_attempt;
    EXPECT_EQ(m.first_pass, m.last_attempt);
    EXPECT_FALSE(m.best) << "a pass without a time sets no best";
    EXPECT_TRUE(std::regex_match(kc::progress::now_utc_iso8601(),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
}

TEST_F(Progress, HintsOnlyGoUp) {
    Store store(root_);
    ASSERT_TRUE(store.record_hint(kModule, 2).ok());
    ASSERT_TRUE(store.record_hint(kModule, 1).ok());
    auto modules = store.load();
    ASSERT_TRUE(modules.ok()) << modules.error().message;
    const auto& m = modules->at(kModule);
    EXPECT_EQ(m.hints_shown, 2);
    EXPECT_EQ(m.attempts, 0);
    EXPECT_EQ(m.status, ModuleStatus::not_attempted);

    ASSERT_TRUE(store.record(attempt("PASS", true, "2025-01-01T00:00:00Z")).ok());
    ASSERT_TRUE(store.record_hint(kModule, 3).ok());
    modules = store.load();
    ASSERT_TRUE(modules.ok());
    EXPECT_EQ(modules->at(kModule).hints_shown, 3);
    EXPECT_EQ(modules->at(kModule).attempts, 1);
    EXPECT_TRUE(modules->at(kModule).passed());
}

TEST_F(Progress, BadArgumentsWriteNothing) {
    Store store(root_);
    Attempt a = attempt("PASS", true, "2025-01-01T00:00:00Z", 1.0);
    a.module_id.clear();
    EXPECT_FALSE(store.record(a).ok());
    a = attempt("PASS", true, "2025-01-01T00:00:00Z", std::numeric_limits<double>::quiet_NaN());
    EXPECT_FALSE(store.record(a).ok());
    EXPECT_FALSE(store.record_hint(kModule, -1).ok());
    EXPECT_FALSE(store.record_hint("", 1).ok());
    EXPECT_FALSE(fs::exists(store.file()));
}

TEST_F(Progress, UnknownModulesAndFieldsSurvive) {
    Store store(root_);
    json original = {
        {"schema", 1},
        {"editor", {{"theme", "dark"}}},
        {"modules",
         {{"future-track/99", {{"attempts", 7}, {"status", "passed"}, {"sparkles", {1, 2, 3}}}},
          {kModule,
           {{"attempts", 2},
            {"status", "failed"},
            {"note", "keep me"},
            {"best", {{"time_ms", 5.0}, {"device", "A100"}, {"clock_mhz", 1410}}}}}}}};
    spit(store.file(), original.dump(2) + "\n");

    ASSERT_TRUE(store.record(attempt("PASS", true, "2025-02-01T00:00:00Z", 4.0)).ok());

    json doc = json::parse(slurp(store.file()));
    EXPECT_EQ(doc["schema"], 1);
    EXPECT_EQ(doc["editor"], original["editor"]);
    EXPECT_EQ(doc["modules"]["future-track/99"], original["modules"]["future-track/99"]);
    const json& m = doc["modules"][kModule];
    EXPECT_EQ(m["note"], "keep me");
    EXPECT_EQ(m["attempts"], 3);
    EXPECT_EQ(m["status"], "passed");
    EXPECT_EQ(m["best"]["time_ms"], 4.0);
    EXPECT_EQ(m["best"]["device"], "H100");
    EXPECT_EQ(m["best"]["clock_mhz"], 1410);

    ASSERT_TRUE(store.record_hint("future-track/99", 1).ok());
    doc = json::parse(slurp(store.file()));
    EXPECT_EQ(doc["modules"]["future-track/99"]["sparkles"], json({1, 2, 3}));
    EXPECT_EQ(doc["modules"]["future-track/99"]["attempts"], 7);
    EXPECT_EQ(doc["modules"]["future-track/99"]["hints_shown"], 1);
    EXPECT_EQ(doc["editor"], original["editor"]);
}

TEST_F(Progress, UnreadableFileIsAnErrorAndLeftUntouched) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"not JSON", "{ \"schema\": 1, \"modules\": {"},
        {"not an object", "[1, 2, 3]\n"},
        {"newer schema", "{\"schema\": 2, \"modules\": {}}\n"},
        {"no schema", "{\"modules\": {}}\n"},
        {"modules not an object", "{\"schema\": 1, \"modules\": []}\n"},
        {"field of the wrong type",
         "{\"schema\": 1, \"modules\": {\"other/01\": {\"attempts\": \"many\"}}}\n"},
        {"empty file", ""},
    };
    for (const auto& [name, bytes] : cases) {
        SCOPED_TRACE(name);
        Store store(root_);
        spit(store.file(), bytes);

        auto loaded = store.load();
        ASSERT_FALSE(loaded.ok());
        EXPECT_NE(loaded.error().message.find(store.file().string()), std::string::npos)
            << loaded.error().message;
        EXPECT_NE(loaded.error().message.find("untouched"), std::string::npos) << loaded.error().message;

        auto recorded = store.record(attempt("PASS", true, "2025-01-01T00:00:00Z", 1.0));
        ASSERT_FALSE(recorded.ok());
        EXPECT_NE(recorded.error().message.find(store.file().string()), std::string::npos)
            << recorded.error().message;
        auto hinted = store.record_hint(kModule, 1);
        ASSERT_FALSE(hinted.ok());
        EXPECT_NE(hinted.error().message.find(store.file().string()), std::string::npos);

        EXPECT_EQ(slurp(store.file()), bytes);
        EXPECT_TRUE(temporaries(root_ / ".kernelcoach").empty());
    }
}

TEST_F(Progress, ReadOnlyFileIsAnErrorAndLeftUntouched) {
    Store store(root_);
    ASSERT_TRUE(store.record(attempt("WRONG", false, "2025-01-01T00:00:00Z")).ok());
    const std::string before = slurp(store.file());
    fs::permissions(store.file(), fs::perms::owner_read | fs::perms::group_read);
    auto recorded = store.record(attempt("PASS", true, "2025-01-02T00:00:00Z", 1.0));
    ASSERT_FALSE(recorded.ok());
    EXPECT_NE(recorded.error().message.find("read-only"), std::string::npos) << recorded.error().message;
    EXPECT_NE(recorded.error().message.find(store.file().string()), std::string::npos);
    EXPECT_FALSE(store.record_hint(kModule, 3).ok());
    EXPECT_EQ(slurp(store.file()), before);
    EXPECT_EQ(fs::status(store.file()).permissions() & fs::perms::owner_write, fs::perms::none);
    EXPECT_TRUE(store.load().ok());  // reading it is fine
}

TEST_F(Progress, WaitingForTheLockIsToldFirst) {
    Store store(root_);
    fs::create_directories(root_ / ".kernelcoach");
    const fs::path lock = root_ / ".kernelcoach" / "progress.lock";
    const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_EQ(::flock(fd, LOCK_EX), 0);
    std::vector<std::string> told;
    store.on_wait([&](const std::string& what) {
        told.push_back(what);
        ::close(fd);  // the holder lets go once the writer has said it waits
    });
    ASSERT_TRUE(store.record(attempt("WRONG", false, "2025-01-01T00:00:00Z")).ok());
    ASSERT_EQ(told.size(), 1u);
    EXPECT_NE(told[0].find("waiting for " + lock.string()), std::string::npos) << told[0];
    told.clear();
    ASSERT_TRUE(store.record(attempt("WRONG", false, "2025-01-01T00:00:01Z")).ok());
    EXPECT_TRUE(told.empty());  // a free lock is taken without a word
}

TEST_F(Progress, StaleTemporaryDoesNotBreakLoadAndIsCleared) {
    Store store(root_);
    ASSERT_TRUE(store.record(attempt("WRONG", false, "2025-01-01T00:00:00Z")).ok());
    fs::path stale = root_ / ".kernelcoach" / "progress.json.tmp.999999";
    spit(stale, "{ \"schema\": 1, \"modu");  // a killed writer's half-written temporary

    auto loaded = store.load();
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_EQ(loaded->at(kModule).attempts, 1);

    ASSERT_TRUE(store.record(attempt("WRONG", false, "2025-01-02T00:00:00Z")).ok());
    EXPECT_FALSE(fs::exists(stale));
    EXPECT_TRUE(temporaries(root_ / ".kernelcoach").empty());
}

TEST_F(Progress, ConcurrentProcessesLoseNoUpdate) {
    constexpr int kChildren = 4;
    constexpr int kEach = 25;
    std::vector<pid_t> children;
    for (int c = 0; c < kChildren; ++c) {
        pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            Store store(root_);  // each process its own store, as separate kernelcoach runs have
            for (int i = 0; i < kEach; ++i) {
                bool pass = (i % 3) == 0;
                auto time = pass ? std::optional(1.0 + c + i) : std::nullopt;
                if (!store.record(attempt(pass ? "PASS" : "WRONG", pass, "", time)).ok()) ::_exit(1);
            }
            ::_exit(0);
        }
        children.push_back(pid);
    }
    for (pid_t pid : children) {
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child " << pid << " failed";
    }

    Store store(root_);
    auto loaded = store.load();
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    const auto& m = loaded->at(kModule);
    EXPECT_EQ(m.attempts, kChildren * kEach);
    EXPECT_TRUE(m.passed());
    ASSERT_TRUE(m.best);
    EXPECT_DOUBLE_EQ(m.best->time_ms, 1.0);
    EXPECT_TRUE(temporaries(root_ / ".kernelcoach").empty());
}

TEST_F(Progress, KilledWriterLeavesAValidFile) {
    Store store(root_);
    const std::string padding(2 * 1024 * 1024, 'x');  // a large kept field, so writes take time
    json seed = {{"schema", 1}, {"padding", padding}, {"modules", json::object()}};
    spit(store.file(), seed.dump(2) + "\n");
    ASSERT_TRUE(store.record(attempt("WRONG", false, "")).ok());

    std::random_device rd;
    const unsigned seed_value = rd();
    SCOPED_TRACE("seed " + std::to_string(seed_value));
    std::mt19937 rng(seed_value);
    std::uniform_int_distribution<int> delay_us(0, 20000);

    int last_attempts = 1;
    for (int round = 0; round < 20; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        // The child says when its first record() is done, so the kill lands in the middle of
        // the loop (one record() of this file takes some milliseconds), not during start-up.
        int ready[2];
        ASSERT_EQ(::pipe(ready), 0);
        pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            ::close(ready[0]);
            Store child(root_);
            for (int i = 0;; ++i) {
                bool pass = (i % 2) == 0;
                auto time = pass ? std::optional(2.0) : std::nullopt;
                if (!child.record(attempt(pass ? "PASS" : "WRONG", pass, "", time)).ok()) ::_exit(1);
                if (i == 0) {
                    char one = 1;
                    if (::write(ready[1], &one, 1) != 1) ::_exit(1);
                    ::close(ready[1]);
                }
            }
        }
        ::close(ready[1]);
        char one = 0;
        ssize_t got = ::read(ready[0], &one, 1);
        ::close(ready[0]);
        std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
        ASSERT_EQ(::kill(pid, SIGKILL), 0);
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        ASSERT_EQ(got, 1) << "the writer failed before its first record()";
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the writer stopped by itself";

        std::string text = slurp(store.file());
        json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
        ASSERT_FALSE(doc.is_discarded()) << "partial file of " << text.size() << " bytes";
        EXPECT_EQ(doc["schema"], 1);
        EXPECT_EQ(doc["padding"].get_ref<const std::string&>().size(), padding.size());

        auto loaded = store.load();
        ASSERT_TRUE(loaded.ok()) << loaded.error().message;
        int attempts = loaded->at(kModule).attempts;
        EXPECT_GT(attempts, last_attempts) << "the writer's first record() is not in the file";
        last_attempts = attempts;

        // A killed writer may leave its own temporary, but the next writer clears it.
        EXPECT_LE(temporaries(root_ / ".kernelcoach").size(), 1u);
    }
    RecordProperty("attempts_written", last_attempts);

    // The lock was released by each killed writer, and the next record clears leftovers.
    ASSERT_TRUE(store.record(attempt("WRONG", false, "")).ok());
    EXPECT_TRUE(temporaries(root_ / ".kernelcoach").empty());
    auto loaded = store.load();
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(loaded->at(kModule).attempts, last_attempts + 1);
}

}  // namespace
