// Running the worker process: events on fd 3, output capture, exit codes and signals, the
// deadline (which kills the worker's whole process group), torn lines, a missing program.
// The worker here is a small shell script, so no GPU and no kernelcoach binary is involved.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <stdexcept>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "engine/spawn.h"
#include "support/cli.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;

// Writes an executable shell script; it is started as `script __worker` and ignores that.
fs::path script(const TempDir& dir, const std::string& name, const std::string& body) {
    fs::path p = dir.path() / name;
    std::ofstream(p) << "#!/bin/sh\n" << body << "\n";
    fs::permissions(p, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec,
                    fs::perm_options::replace);
    return p;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Whether process `pid` is gone (no longer exists, or only a zombie waiting to be reaped).
bool gone(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return true;
    std::string all((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    auto close = all.rfind(')');
    return close != std::string::npos && close + 2 < all.size() && (all[close + 2] == 'Z' || all[close + 2] == 'X');
}

// Waits up to `limit` for `pid` to be gone: a liveness bound, not a speed requirement.
bool becomes_gone(pid_t pid, std::chrono::seconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (gone(pid)) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return gone(pid);
}

TEST(Spawn, CollectsEventsAndOutput) {
    TempDir dir;
    auto exe = script(dir, "worker.sh",
                      "[ \"$1\" = __worker ] || exit 9\n"
                      "cat > \"$(dirname \"$0\")/request.txt\"\n"
                      "echo '{\"event\":\"device\",\"name\":\"x\",\"sm\":90}' >&3\n"
                      "echo 'hello from stdout'\n"
                      "echo 'and from stderr' >&2\n"
                      "echo '{\"event\":\"done\"}' >&3\n"
                      "exit 0");
    auto run = engine::run_worker(exe, "{\"op\":\"probe\"}", 20);
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_EQ(run->exit_code, 0) << run->output;
    EXPECT_EQ(run->signal, 0);
    EXPECT_FALSE(run->timed_out);
    ASSERT_EQ(run->events.size(), 2u) << run->output;
    EXPECT_EQ(run->events[0].value("event", ""), "device");
    EXPECT_EQ(run->events[0].value("name", ""), "x");
    EXPECT_EQ(run->events[0].value("sm", 0), 90);
    EXPECT_EQ(run->events[1].value("event", ""), "done");
    EXPECT_NE(run->output.find("hello from stdout"), std::string::npos) << run->output;
    EXPECT_NE(run->output.find("and from stderr"), std::string::npos) << run->output;
    EXPECT_EQ(run->output.find("event"), std::string::npos) << "events must not leak into the output";
    EXPECT_FALSE(run->output_truncated);
    // The request arrived on stdin, whole.
    EXPECT_EQ(slurp(dir.path() / "request.txt"), "{\"op\":\"probe\"}");
    EXPECT_GE(run->seconds, 0);
}

TEST(Spawn, ReportsTheExitCode) {
    TempDir dir;
    auto exe = script(dir, "worker.sh", "echo '{\"event\":\"error\",\"kind\":\"no-gpu\"}' >&3\nexit 5");
    auto run = engine::run_worker(exe, "{}", 20);
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_EQ(run->exit_code, 5);
    EXPECT_EQ(run->signal, 0);
    EXPECT_FALSE(run->timed_out);
    ASSERT_EQ(run->events.size(), 1u);
    EXPECT_EQ(run->events[0].value("kind", ""), "no-gpu");
}

TEST(Spawn, KillsAWorkerPastTheDeadline) {
    TempDir dir;
    auto exe = script(dir, "worker.sh",
                      "echo '{\"event\":\"device\",\"name\":\"x\",\"sm\":90}' >&3\n"
                      "sleep 30");
    auto start = std::chrono::steady_clock::now();
    auto run = engine::run_worker(exe, "{}", 1);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_TRUE(run->timed_out);
    EXPECT_EQ(run->signal, SIGKILL);
    // The point is the kill: a run that waited for `sleep 30` would take 30 s.
    EXPECT_LT(seconds, 20);
    ASSERT_EQ(run->events.size(), 1u) << "events before the deadline are kept";
    EXPECT_EQ(run->events[0].value("event", ""), "device");
}

TEST(Spawn, ReportsTheSignalThatEndedTheWorker) {
    TempDir dir;
    auto exe = script(dir, "worker.sh",
                      "echo '{\"event\":\"case\",\"name\":\"one\",\"verdict\":\"PASSED\"}' >&3\n"
                      "kill -SEGV $$\n"
                      "sleep 30");
    auto run = engine::run_worker(exe, "{}", 20);
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_FALSE(run->timed_out);
    EXPECT_EQ(run->signal, SIGSEGV);
    EXPECT_EQ(run->signal, 11);
    ASSERT_EQ(run->events.size(), 1u);
    EXPECT_EQ(run->events[0].value("name", ""), "one");
}

TEST(Spawn, IgnoresATornLastLineAndGarbledLines) {
    TempDir dir;
    auto exe = script(dir, "worker.sh",
                      "echo '{\"event\":\"device\",\"name\":\"x\",\"sm\":90}' >&3\n"
                      "echo 'not json at all' >&3\n"
                      "echo '{\"event\":\"case\",\"name\":\"one\"}' >&3\n"
                      "printf '{\"event\":\"case\",\"name\":\"tw' >&3\n"
                      "exit 0");
    auto run = engine::run_worker(exe, "{}", 20);
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_EQ(run->exit_code, 0);
    ASSERT_EQ(run->events.size(), 2u);
    EXPECT_EQ(run->events[0].value("event", ""), "device");
    EXPECT_EQ(run->events[1].value("name", ""), "one");
}

TEST(Spawn, KillsTheWholeProcessGroupAtTheDeadline) {
    TempDir dir;
    fs::path pidfile = dir.path() / "grandchild.pid";
    auto exe = script(dir, "worker.sh",
                      "sleep 30 &\n"
                      "echo $! > '" + pidfile.string() + "'\n"
                      "echo '{\"event\":\"device\",\"name\":\"x\",\"sm\":90}' >&3\n"
                      "sleep 30");
    auto run = engine::run_worker(exe, "{}", 1);
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_TRUE(run->timed_out);
    EXPECT_EQ(run->events.size(), 1u);
    std::string pid_text = slurp(pidfile);
    ASSERT_FALSE(pid_text.empty()) << "the script never started its grandchild";
    pid_t grandchild = static_cast<pid_t>(std::stol(pid_text));
    ASSERT_GT(grandchild, 1);
    bool killed = becomes_gone(grandchild, std::chrono::seconds(10));
    if (!killed) ::kill(grandchild, SIGKILL);  // do not leave it behind when the test fails
    EXPECT_TRUE(killed) << "the background grandchild " << grandchild << " outlived the deadline";
}

TEST(Spawn, DeadlineHoldsWhenTheWorkerClosesItsPipes) {
    // A worker that closes stdout, stderr and the event fd and then hangs must still be
    // killed at the deadline, not waited for.
    TempDir dir;
    auto exe = script(dir, "worker.sh",
                      "echo '{\"event\":\"device\",\"name\":\"x\",\"sm\":90}' >&3\n"
                      "exec 1>&- 2>&- 3>&-\n"
                      "sleep 8");
    auto run = engine::run_worker(exe, "{}", 1);
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_TRUE(run->timed_out) << "exit " << run->exit_code << " after " << run->seconds << " s";
    EXPECT_EQ(run->signal, SIGKILL);
    EXPECT_EQ(run->events.size(), 1u);
}

TEST(Spawn, CapsTheOutputAt4MiB) {
    TempDir dir;
    // 5 000 000 bytes of 'x' on stdout: more than a --debug case keeps (its printf buffer is 64
    // MiB, but 4 MiB of lines is more than anyone groups and reads).
    auto exe = script(dir, "worker.sh",
                      "head -c 5000000 /dev/zero | tr '\\000' x\n"
                      "echo '{\"event\":\"done\"}' >&3");
    auto run = engine::run_worker(exe, "{}", 60);
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_FALSE(run->timed_out);
    EXPECT_EQ(run->exit_code, 0);
    EXPECT_EQ(run->output.size(), 4u << 20);
    EXPECT_EQ(run->output.find_first_not_of('x'), std::string::npos);
    EXPECT_TRUE(run->output_truncated);
    ASSERT_EQ(run->events.size(), 1u) << "the event after the flood still arrives";
}

TEST(Spawn, AMissingExecutableExitsWith127) {
    TempDir dir;
    auto run = engine::run_worker(dir.path() / "no-such-worker", "{}", 20);
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_EQ(run->exit_code, 127);
    EXPECT_EQ(run->signal, 0);
    EXPECT_FALSE(run->timed_out);
    EXPECT_TRUE(run->events.empty());
    EXPECT_NE(run->output.find("cannot exec"), std::string::npos) << run->output;
}

TEST(Spawn, AWorkerThatIgnoresItsStdinDoesNotBlockTheParent) {
    // A request larger than a pipe buffer, to a worker that never reads it.
    TempDir dir;
    auto exe = script(dir, "worker.sh", "exec 0<&-\necho '{\"event\":\"done\"}' >&3\nexit 0");
    std::string big(1 << 20, ' ');
    auto run = engine::run_worker(exe, "{}" + big, 20);
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_FALSE(run->timed_out);
    EXPECT_EQ(run->exit_code, 0);
    EXPECT_EQ(run->events.size(), 1u);
}

// ---- run_forked: a function in a forked copy of this process ---------------------------

TEST(Spawn, AForkedFunctionSendsEventsAndOutput) {
    const std::string greeting = "from the copy";
    auto run = engine::run_forked(
        [&] {
            const std::string line = "{\"event\":\"done\",\"text\":\"" + greeting + "\"}\n";
            (void)!::write(3, line.data(), line.size());
            std::printf("printed\n");
            std::fflush(stdout);
        },
        20);
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_EQ(run->exit_code, 0);
    ASSERT_EQ(run->events.size(), 1u);
    EXPECT_EQ(run->events[0].value("text", ""), greeting);
    EXPECT_EQ(run->output, "printed\n");
}

TEST(Spawn, AForkedFunctionPastTheDeadlineIsKilled) {
    const auto start = std::chrono::steady_clock::now();
    auto run = engine::run_forked([] { std::this_thread::sleep_for(std::chrono::seconds(60)); }, 0.5);
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_TRUE(run->timed_out);
    EXPECT_EQ(run->signal, SIGKILL);
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10);
}

TEST(Spawn, AForkedFunctionThatThrowsExitsWith70) {
    auto run = engine::run_forked([] { throw std::runtime_error("no"); }, 20);
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_EQ(run->exit_code, 70);
    EXPECT_TRUE(run->events.empty());
}

TEST(Spawn, NoForkWhileAnotherThreadRuns) {
    std::promise<void> stop;
    std::thread other([f = stop.get_future()]() mutable { f.wait(); });
    auto run = engine::run_forked([] {}, 20);
    stop.set_value();
    other.join();
    ASSERT_FALSE(run);
    EXPECT_NE(run.error().message.find("2 threads"), std::string::npos) << run.error().message;
    EXPECT_TRUE(engine::run_forked([] {}, 20)) << "one thread again";
}

TEST(Spawn, SelfExeIsThisProgram) {
    auto p = engine::self_exe();
    EXPECT_TRUE(p.is_absolute()) << p;
    EXPECT_TRUE(fs::exists(p)) << p;
}

// A held worker reads its one-line request at once, then waits for its stdin to close, which
// release() does; what it does after that is collected like run_worker's.
TEST(HeldWorker, TakesItsRequestNowAndGoesOnWhenReleased) {
    TempDir dir;
    const fs::path mark = dir.path() / "went-on";
    auto exe = script(dir, "w", "read line\n"
                                "echo \"{\\\"event\\\":\\\"got\\\",\\\"line\\\":$line}\" >&3\n"
                                "cat >/dev/null\n"
                                "touch " + mark.string() + "\n"
                                "echo '{\"event\":\"done\"}' >&3");
    auto held = engine::HeldWorker::start(exe, R"({"op":"launch"})");
    ASSERT_TRUE(held) << held.error().message;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_FALSE(fs::exists(mark)) << "a held worker must not go on before release()";
    auto run = held->release(10);
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_FALSE(run->timed_out);
    EXPECT_EQ(run->exit_code, 0);
    ASSERT_EQ(run->events.size(), 2u) << run->output;
    EXPECT_EQ(run->events[0].at("line").at("op"), "launch");
    EXPECT_EQ(run->events[1].at("event"), "done");
    EXPECT_TRUE(fs::exists(mark));
    EXPECT_FALSE(held->release(10)) << "a second release is refused";
}

// One never released is killed with its group when it goes: it never goes on.
TEST(HeldWorker, NeverReleasedIsKilled) {
    TempDir dir;
    const fs::path mark = dir.path() / "went-on";
    const fs::path pid_file = dir.path() / "pid";
    auto exe = script(dir, "w", "echo $$ > " + pid_file.string() + "\nread line\ncat >/dev/null\ntouch " +
                                    mark.string());
    pid_t pid = 0;
    {
        auto held = engine::HeldWorker::start(exe, "{}");
        ASSERT_TRUE(held) << held.error().message;
        for (int i = 0; i < 100 && slurp(pid_file).empty(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        pid = std::stoi(slurp(pid_file));
    }
    EXPECT_TRUE(becomes_gone(pid, std::chrono::seconds(10)));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_FALSE(fs::exists(mark));
}


// A paused run: the worker reports `checked` and waits for its stdin to close; the parent's
// pause runs first (here it writes a mark the worker then sees), and its length is not counted
// against the deadline.
TEST(Spawn, APauseRunsWhenItsEventComesAndThenTheWorkerGoesOn) {
    TempDir dir;
    const fs::path mark = dir.path() / "paused";
    auto exe = script(dir, "w", "read line\n"
                                "echo '{\"event\":\"case\"}' >&3\n"
                                "echo '{\"event\":\"checked\"}' >&3\n"
                                "cat >/dev/null\n"
                                "if [ -e " + mark.string() + " ]; then s=after; else s=before; fi\n"
                                "echo \"{\\\"event\\\":\\\"timing\\\",\\\"pause\\\":\\\"$s\\\"}\" >&3");
    int calls = 0;
    const engine::Pause pause{"checked", [&] {
                                  ++calls;
                                  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
                                  std::ofstream(mark) << "x";
                              }};
    auto run = engine::run_worker(exe, "{}", 1.0, {}, &pause);  // the pause alone outlasts 1 s
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_FALSE(run->timed_out);
    EXPECT_EQ(calls, 1);
    ASSERT_EQ(run->events.size(), 3u) << run->output;
    EXPECT_EQ(run->events[2].at("pause"), "after");
}

// Without its event (a kernel that failed), the pause never runs and the worker still ends.
TEST(Spawn, APauseWhoseEventNeverComesDoesNotRun) {
    TempDir dir;
    auto exe = script(dir, "w", "read line\necho '{\"event\":\"done\"}' >&3");
    int calls = 0;
    const engine::Pause pause{"checked", [&] { ++calls; }};
    auto run = engine::run_worker(exe, "{}", 10, {}, &pause);
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_EQ(calls, 0);
    EXPECT_EQ(run->exit_code, 0);
    ASSERT_EQ(run->events.size(), 1u);
}

// A released worker is killed soon after its cancel flag is set from another thread.
TEST(HeldWorker, CancelledAfterReleaseIsKilled) {
    TempDir dir;
    auto exe = script(dir, "w", "read line\ncat >/dev/null\nsleep 30");
    auto held = engine::HeldWorker::start(exe, "{}");
    ASSERT_TRUE(held) << held.error().message;
    std::atomic<bool> cancel{false};
    auto run = std::async(std::launch::async, [&] { return held->release(60, &cancel); });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel = true;
    ASSERT_EQ(run.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    auto r = run.get();
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->cancelled);
    EXPECT_FALSE(r->timed_out);
    EXPECT_EQ(r->signal, SIGKILL);
}

}  // namespace
}  // namespace kc::test
