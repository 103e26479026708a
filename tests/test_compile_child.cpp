// NVRTC in a child process under a deadline (engine/compile_child.h): its answer as JSON, a
// compile in the child that matches one in this process, a compile killed at its deadline, and
// NVRTC's own failure. No GPU.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "compile/compiler.h"
#include "engine/compile_child.h"
#include "support/cli.h"
#include "support/compile_request.h"

namespace kc::test {
namespace {

std::string every_byte() {
    std::string s;
    for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
    return s;
}

TEST(CompileChild, TheAnswerRoundTripsWithABinaryCubin) {
    const compile::Built built{.ok = true, .log = "warning", .ptx = ".entry x", .cubin = every_byte()};
    const auto again = engine::built_from_json(nlohmann::json::parse(engine::built_json(built).dump()));
    EXPECT_TRUE(again.ok);
    EXPECT_FALSE(again.timed_out);
    EXPECT_EQ(again.log, built.log);
    EXPECT_EQ(again.ptx, built.ptx);
    EXPECT_EQ(again.cubin, built.cubin);
}

TEST(CompileChild, CompilesLikeThisProcess) {
    const std::string source = read_text(fixture_course() / "tracks/fixtures/module-01-pass/kernel.cu");
    auto here = compile::compile(vector_add_request(source), {});
    auto child = compile::compile(vector_add_request(source), {}, engine::compile_in_child());
    ASSERT_TRUE(here && child) << (child ? here.error().message : child.error().message);
    ASSERT_TRUE(child->ok) << child->summary << child->log;
    EXPECT_EQ(child->cubin, here->cubin);
    EXPECT_EQ(child->ptx, here->ptx);
    EXPECT_EQ(child->key, here->key);
    ASSERT_EQ(child->launches.size(), 2u);
    EXPECT_EQ(child->launches[1].front().grid.x, here->launches[1].front().grid.x);
    // A compile error comes back with its log, as in this process.
    auto broken = compile::compile(vector_add_request(source + "\nbroken here\n"), {}, engine::compile_in_child());
    ASSERT_TRUE(broken) << broken.error().message;
    EXPECT_FALSE(broken->ok);
    EXPECT_FALSE(broken->timed_out);
    EXPECT_TRUE(contains(broken->summary, "does not compile")) << broken->summary;
}

TEST(CompileChild, ACompilePastItsDeadlineIsKilledAndSaysSo) {
    auto req = vector_add_request(fixture_text("slow-compile.cu"));
    req.timeout_s = 1;
    const auto start = std::chrono::steady_clock::now();
    auto out = compile::compile(req, {}, engine::compile_in_child());
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_TRUE(out) << out.error().message;
    EXPECT_FALSE(out->ok);
    EXPECT_TRUE(out->timed_out);
    EXPECT_TRUE(contains(out->summary, "compiling did not finish within 1 s")) << out->summary;
    EXPECT_TRUE(contains(out->summary, "tracks/x/module-01-y/kernel.cu")) << out->summary;
    EXPECT_LT(seconds, 10) << "a liveness bound: the deadline is 1 s";
}

TEST(CompileChild, NvrtcsOwnFailureComesBackAsAnError) {
    auto built = engine::compile_in_child()(compile::Job{"x", "kernel.cu", {}, {"--no-such-option"}, 10});
    ASSERT_FALSE(built);
    EXPECT_TRUE(contains(built.error().message, "NVRTC_ERROR_INVALID_OPTION")) << built.error().message;
}

}  // namespace
}  // namespace kc::test
