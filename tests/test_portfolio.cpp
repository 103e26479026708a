// `kernelcoach new`: a learner's own module under tracks/portfolio/, scaffolded into a temporary
// course, checked by dev check (compile-only here: compiled, not run), started --from a course
// module or refused in words, and shown by progress apart from the certificate.
#include <gtest/gtest.h>

#include <algorithm>

#include "course/course.h"
#include "course/scaffold.h"
#include "progress/store.h"
#include "report/render.h"
#include "support/cli.h"
#include "util/hash.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* kModule = "tracks/portfolio/module-01-bias-relu";

TEST(Portfolio, NamesAndNumbers) {
    EXPECT_EQ(course::module_name_problem("bias-relu"), "");
    EXPECT_EQ(course::module_name_problem("3d-blur"), "");
    EXPECT_NE(course::module_name_problem("Bias").find("lowercase letters, digits and '-'"), std::string::npos);
    EXPECT_NE(course::module_name_problem("bias_relu").find("is not a module name"), std::string::npos);
    EXPECT_NE(course::module_name_problem("-x").find("is not a module name"), std::string::npos);
    EXPECT_NE(course::module_name_problem("a/b").find("is not a module name"), std::string::npos);
    EXPECT_NE(course::module_name_problem(std::string(41, 'a')).find("longer than 40"), std::string::npos);
    EXPECT_NE(course::module_name_problem("").find("needs a name"), std::string::npos);
    EXPECT_EQ(course::kernel_name_for("bias-relu"), "bias_relu");
    EXPECT_EQ(course::kernel_name_for("3d-blur"), "k_3d_blur");
    EXPECT_EQ(course::next_module_number({}), 1);
    EXPECT_EQ(course::next_module_number({"module-01-a", "module-07-b", "notes"}), 8);
    EXPECT_EQ(course::next_module_number({"module-99-z"}), std::nullopt);
}

TEST(Portfolio, TheWorkedExampleIsAValidModule) {
    auto s = course::make_scaffold("bias-relu", 3);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->rel_dir, "tracks/portfolio/module-03-bias-relu");
    EXPECT_EQ(s->id, "portfolio/03");
    std::map<std::string, std::string> files;
    for (const auto& f : s->files) files[f.path] = f.text;
    for (const char* f : {"module.json", "kernel.cu", "reference.cpp", "README.md", "hints.md", "solution/kernel.cu",
                          "controls/bias-by-row.cu"})
        EXPECT_TRUE(files.count(f)) << f;
    auto m = course::parse_manifest(files["module.json"], "module.json");
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->exercise, "custom");
    EXPECT_EQ(m->kernel, "bias_relu");
    EXPECT_EQ(m->starter_hash, hash_hex(files["kernel.cu"]));
    ASSERT_EQ(m->controls.size(), 1u);
    EXPECT_EQ(m->controls[0].expect, "WRONG");
    ASSERT_EQ(m->pass.size(), 1u);
    EXPECT_EQ(m->pass[0].kind, grade::GateKind::OfLight);
    // The kernel's line is the custom block's signature.
    EXPECT_NE(files["kernel.cu"].find("void bias_relu(const float* x, const float* b, float* y, int m, int n)"),
              std::string::npos);
    EXPECT_NE(files["controls/bias-by-row.cu"].find("b[r]"), std::string::npos);
    EXPECT_EQ(files["solution/kernel.cu"].find("b[r]"), std::string::npos);
    // README in the seed's structure.
    for (const char* h : {"## Learning objectives", "## Key concepts", "## Code examples", "## Exercises",
                          "## Best practices", "## Next steps"})
        EXPECT_NE(files["README.md"].find(h), std::string::npos) << h;
}

// A course of its own in a temporary folder: the fixture course, or an empty tracks/.
struct TempCourse {
    TempDir dir;
    explicit TempCourse(bool fixtures) {
        if (fixtures) copy_course(fixture_course(), dir.path());
        else fs::create_directories(dir.path() / "tracks");
    }
    CliRun kc(std::vector<std::string> args) const {
        args.insert(args.begin(), {"--course", dir.path().string()});
        return run_cli(args);
    }
    fs::path at(const std::string& rel) const { return dir.path() / rel; }
};

TEST(Portfolio, NewScaffoldsAModuleThatDevCheckCompiles) {
    TempCourse c(false);
    auto r = c.kc({"new", "bias-relu"});
    ASSERT_EQ(r.exit_code, 0) << show(r);
    EXPECT_TRUE(contains(r.out, "created tracks/portfolio/module-01-bias-relu/ (portfolio/01)")) << r.out;
    EXPECT_TRUE(contains(r.out, "reference.cpp")) << r.out;
    EXPECT_TRUE(contains(r.out, "next: kernelcoach run portfolio/01")) << r.out;
    for (const char* f : {"module.json", "kernel.cu", "reference.cpp", "README.md", "hints.md", "solution/kernel.cu",
                          "controls/bias-by-row.cu"})
        EXPECT_TRUE(fs::is_regular_file(c.at(std::string(kModule) + "/" + f))) << f;
    auto loaded = course::load_course(c.dir.path());
    ASSERT_TRUE(loaded);
    EXPECT_TRUE(loaded->broken.empty()) << loaded->broken.front().problem;
    ASSERT_TRUE(loaded->resolve("portfolio/01"));

    // Everything compiles (here nothing runs): reference.cpp builds, the three kernels compile.
    auto check = c.kc({"dev", "check", "portfolio/01", "--compile-only"});
    EXPECT_EQ(check.exit_code, 3) << show(check);  // skipped: not run
    EXPECT_TRUE(contains(check.out, "0 failed")) << check.out;
    EXPECT_TRUE(contains(check.out, "reference.cpp")) << check.out;
    EXPECT_TRUE(contains(check.out, "got built")) << check.out;
    for (const char* what : {"starter kernel.cu", "solution", "control controls/bias-by-row.cu"}) {
        const auto line = check.out.substr(check.out.find(what));
        EXPECT_TRUE(contains(line.substr(0, line.find('\n')), "compiled, not run")) << what << "\n" << check.out;
    }
    auto json_check = c.kc({"--json", "dev", "check", "portfolio/01", "--compile-only"});
    EXPECT_EQ(json_check.json()["failed"], 0) << json_check.out;

    // A second module gets the next number; a name taken or malformed is refused in words.
    auto second = c.kc({"new", "softmax-v2"});
    EXPECT_EQ(second.exit_code, 0) << show(second);
    EXPECT_TRUE(fs::is_directory(c.at("tracks/portfolio/module-02-softmax-v2")));
    auto again = c.kc({"new", "bias-relu"});
    EXPECT_EQ(again.exit_code, 2) << show(again);
    EXPECT_TRUE(contains(again.err, "tracks/portfolio/module-01-bias-relu already exists")) << again.err;
    auto bad = c.kc({"new", "Bias_ReLU"});
    EXPECT_EQ(bad.exit_code, 2) << show(bad);
    EXPECT_TRUE(contains(bad.err, "use lowercase letters, digits and '-'")) << bad.err;
    EXPECT_FALSE(fs::exists(c.at("tracks/portfolio/module-03-Bias_ReLU")));
}

TEST(Portfolio, AReferenceThatDoesNotCompileIsACompileErrorNamingIt) {
    TempCourse c(false);
    ASSERT_EQ(c.kc({"new", "bias-relu"}).exit_code, 0);
    const fs::path ref = c.at(std::string(kModule) + "/reference.cpp");
    std::string text = read_text(ref);
    text.replace(text.find("double* y = outputs[0];"), 23, "double* y = outputs[0]");
    write_text(ref, text);
    auto r = c.kc({"run", "portfolio/01"});
    EXPECT_EQ(r.exit_code, 1) << show(r);
    EXPECT_TRUE(contains(r.out, "COMPILE_ERROR")) << r.out;
    EXPECT_TRUE(contains(r.out, "tracks/portfolio/module-01-bias-relu/reference.cpp (the float64 truth of this module) "
                                "does not compile"))
        << r.out;
    EXPECT_TRUE(contains(r.out, "tracks/portfolio/module-01-bias-relu/reference.cpp:1")) << r.out;
    auto check = c.kc({"dev", "check", "portfolio/01", "--compile-only"});
    EXPECT_EQ(check.exit_code, 1) << show(check);
    EXPECT_TRUE(contains(check.out, "got COMPILE_ERROR")) << check.out;
}

TEST(Portfolio, AManifestMistakeIsRefusedInWords) {
    TempCourse c(false);
    ASSERT_EQ(c.kc({"new", "bias-relu"}).exit_code, 0);
    const fs::path manifest = c.at(std::string(kModule) + "/module.json");
    std::string text = read_text(manifest);
    text.replace(text.find("\"shape\": [\"n\"]"), 14, "\"shape\": [\"k\"]");
    write_text(manifest, text);
    auto r = c.kc({"run", "portfolio/01"});
    EXPECT_EQ(r.exit_code, 4) << show(r);
    EXPECT_TRUE(contains(r.err, "module.json: custom.tensors[1].shape[0]: names 'k', which is not one of the fields "
                                "(m, n)"))
        << r.err;
}

TEST(Portfolio, FromACompatibleModuleDerivesTheBlock) {
    TempCourse c(true);
    auto r = c.kc({"new", "my-add", "--from", "fixtures/01"});
    ASSERT_EQ(r.exit_code, 0) << show(r);
    EXPECT_TRUE(contains(r.out, "starting from fixtures/01's kernel.cu")) << r.out;
    const std::string dir = "tracks/portfolio/module-01-my-add/";
    EXPECT_EQ(read_text(c.at(dir + "kernel.cu")), read_text(c.at("tracks/fixtures/module-01-pass/kernel.cu")));
    EXPECT_TRUE(contains(read_text(c.at(dir + "README.md")), "It starts from `fixtures/01`'s kernel file"));
    auto m = course::parse_manifest(read_text(c.at(dir + "module.json")), "module.json");
    ASSERT_TRUE(m) << m.error().message;
    ASSERT_TRUE(m->custom);
    const auto& spec = m->custom->custom();
    EXPECT_EQ(spec.fields, std::vector<std::string>{"n"});
    ASSERT_EQ(spec.tensors.size(), 3u);
    EXPECT_EQ(spec.tensors[2].shape, std::vector<std::string>{"n"});
    ASSERT_EQ(spec.scalars.size(), 1u);
    EXPECT_EQ(spec.scalars[0].field, "n");
    EXPECT_EQ(spec.bytes, 12);  // vector-add's: read a and b, write out
    // The same kernel signature, so the copied kernel compiles as the new module's; the truth is
    // the learner's to write, and until then reference.cpp says so.
    EXPECT_EQ(exercises::parameters(*m->custom, {{"n", 5}}), "const float* a, const float* b, float* out, int n");
    auto check = c.kc({"dev", "check", "portfolio/01", "--compile-only"});
    EXPECT_TRUE(contains(check.out, "write the float64 truth of your operation")) << check.out;
}

TEST(Portfolio, FromAModuleOfOnesOwnCopiesItsBlockAndItsTruth) {
    TempCourse c(false);
    ASSERT_EQ(c.kc({"new", "bias-relu"}).exit_code, 0);
    // Its kernel is the starter: give it the solution, as a learner who passed would have.
    write_text(c.at(std::string(kModule) + "/kernel.cu"), read_text(c.at(std::string(kModule) + "/solution/kernel.cu")));
    auto r = c.kc({"new", "bias-relu-v2", "--from", "portfolio/01"});
    ASSERT_EQ(r.exit_code, 0) << show(r);
    EXPECT_TRUE(contains(r.out, "reference.cpp is a copy of portfolio/01's")) << r.out;
    const std::string dir = "tracks/portfolio/module-02-bias-relu-v2/";
    EXPECT_EQ(read_text(c.at(dir + "reference.cpp")), read_text(c.at(std::string(kModule) + "/reference.cpp")));
    auto check = c.kc({"--json", "dev", "check", "portfolio/02", "--compile-only"});
    EXPECT_EQ(check.json()["failed"], 0) << check.out;
}

TEST(Portfolio, FromAnIncompatibleModuleIsRefusedInWords) {
    TempCourse c(true);
    auto inout = c.kc({"new", "my-adam", "--from", "fixtures/12"});
    EXPECT_EQ(inout.exit_code, 2) << show(inout);
    EXPECT_TRUE(contains(inout.err, "tensor `p` is updated in place")) << inout.err;
    auto two = c.kc({"new", "my-sum", "--from", "fixtures/13"});
    EXPECT_EQ(two.exit_code, 2) << show(two);
    EXPECT_TRUE(contains(two.err, "launches 2 kernels")) << two.err;
    auto bf16 = c.kc({"new", "my-gemm", "--from", "fixtures/17"});
    EXPECT_EQ(bf16.exit_code, 2) << show(bf16);
    EXPECT_TRUE(contains(bf16.err, "is bf16: a custom module takes fp32 tensors")) << bf16.err;
    auto unknown = c.kc({"new", "my-x", "--from", "fixtures/99"});
    EXPECT_EQ(unknown.exit_code, 2) << show(unknown);
    EXPECT_FALSE(fs::exists(c.at("tracks/portfolio")));  // nothing written
}

TEST(Portfolio, ProgressShowsThePortfolioApartFromTheCertificate) {
    TempCourse c(true);
    ASSERT_EQ(c.kc({"new", "bias-relu"}).exit_code, 0);
    auto loaded = course::load_course(c.dir.path());
    ASSERT_TRUE(loaded);
    progress::Store store(loaded->root);
    progress::Attempt a;
    a.module_id = "portfolio/01";
    a.verdict = "PASSED";
    a.passed = true;
    a.source_hash = "x";
    ASSERT_TRUE(store.record(a));
    auto p = store.load();
    ASSERT_TRUE(p);
    const std::string text = report::progress_text(*loaded, *p, report::Style{});
    const size_t cert = text.find("modules of the certificate passed");
    const size_t own = text.find("Your portfolio 1/1 passed");
    ASSERT_NE(cert, std::string::npos) << text;
    ASSERT_NE(own, std::string::npos) << text;
    EXPECT_LT(cert, own);
    EXPECT_TRUE(contains(text.substr(own), "portfolio/01")) << text;
    EXPECT_FALSE(contains(text.substr(0, cert), "portfolio")) << text;  // no track row of its own
    EXPECT_TRUE(contains(text, "0/0 modules of the certificate passed")) << text;  // the fixtures' track is not counted

    const json j = report::progress_json(*loaded, *p);
    EXPECT_EQ(j["passed"], 0);
    for (const auto& t : j["tracks"]) EXPECT_NE(t["track"], "portfolio");
    EXPECT_EQ(j["portfolio"]["passed"], 1);
    ASSERT_EQ(j["portfolio"]["modules"].size(), 1u);
    EXPECT_EQ(j["portfolio"]["modules"][0]["id"], "portfolio/01");
    EXPECT_EQ(j["portfolio"]["modules"][0]["status"], "passed");
}

}  // namespace
}  // namespace kc::test
