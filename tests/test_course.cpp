// Course discovery, manifests and module ids.
#include <gtest/gtest.h>

#include <fstream>

#include "course/course.h"
#include "support/cli.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;

const char* kGood = R"({"format": 1, "title": "T", "exercise": "vector-add", "kernel": "vector_add",
  "starter": "WRONG", "cases": [{"name": "one", "n": 1}, {"name": "big", "n": 1000, "timed": true}]})";

void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
}

TEST(Manifest, ParsesAGoodOne) {
    auto m = course::parse_manifest(kGood, "m.json");
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->kernel, "vector_add");
    EXPECT_EQ(m->cases.size(), 2u);
    EXPECT_EQ(m->cases[1].sizes.at("n"), 1000);
    ASSERT_NE(m->timed_case(), nullptr);
    EXPECT_EQ(m->timed_case()->name, "big");
    EXPECT_EQ(m->min_sm, 70);
    EXPECT_DOUBLE_EQ(m->timeout_s, 20);
}

TEST(Manifest, AControlMayAskToBeTimed) {
    auto m = course::parse_manifest(
        R"({"format": 1, "title": "T", "exercise": "vector-add", "kernel": "k", "starter": "WRONG",
            "cases": [{"name": "a", "n": 1}], "controls": [{"file": "c.cu", "expect": "WRONG", "timed": true},
            {"file": "d.cu", "expect": "PASSED"}]})",
        "m.json");
    ASSERT_TRUE(m) << m.error().message;
    ASSERT_EQ(m->controls.size(), 2u);
    EXPECT_TRUE(m->controls[0].timed);
    EXPECT_FALSE(m->controls[1].timed);
}

TEST(Manifest, SanitizersNameTheToolsAPassingKernelMustAlsoBeCleanUnder) {
    auto with = [](const std::string& tools) {
        return course::parse_manifest(
            R"({"format": 1, "title": "T", "exercise": "vector-add", "kernel": "k", "starter": "WRONG",
                "cases": [{"name": "a", "n": 1}], "sanitizers": )" + tools + "}",
            "m.json");
    };
    auto m = with(R"(["initcheck", "synccheck", "initcheck"])");
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->sanitizers, (std::vector<std::string>{"initcheck", "synccheck"}));
    EXPECT_TRUE(course::parse_manifest(kGood, "m.json")->sanitizers.empty());
    for (const char* bad : {R"(["memcheck"])", R"(["valgrind"])", R"("initcheck")", R"([3])"}) {
        auto b = with(bad);
        ASSERT_FALSE(b) << bad;
        EXPECT_TRUE(contains(b.error().message, "sanitizers")) << b.error().message;
    }
}

TEST(Manifest, ACaseMayDeclareAnInputView) {
    auto with = [](const std::string& view, bool timed = false) {
        return course::parse_manifest(
            R"({"format": 1, "title": "T", "exercise": "vector-add", "kernel": "k", "starter": "WRONG",
                "cases": [{"name": "a", "n": 1}, {"name": "b", "n": 7, "view": )" + view +
                (timed ? R"(, "timed": true)" : "") + "}]}",
            "m.json");
    };
    auto m = with(R"({"offset": 12, "nonfinite": true, "bad_indices": 3})");
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_TRUE(m->cases[0].view.plain());
    EXPECT_EQ(m->cases[1].view.offset, 12);
    EXPECT_TRUE(m->cases[1].view.nonfinite);
    EXPECT_EQ(m->cases[1].view.bad_indices, 3);
    for (const char* bad : {R"({"offset": 3})", R"({"offset": 256})", R"({"offset": 0})", R"({"nonfinite": 1})",
                            R"({"bad_indices": 0})", R"({"stride": 2})", R"({})", R"(4)"}) {
        auto b = with(bad);
        ASSERT_FALSE(b) << bad;
        EXPECT_TRUE(contains(b.error().message, "cases[1].view")) << b.error().message;
    }
    auto timed = with(R"({"offset": 4})", true);
    ASSERT_FALSE(timed);
    EXPECT_TRUE(contains(timed.error().message, "the timed case takes no view")) << timed.error().message;
}

TEST(Manifest, AViewTheExerciseDoesNotSupportIsRefused) {
    auto m = course::parse_manifest(
        R"({"format": 1, "title": "T", "exercise": "vector-add", "kernel": "k", "starter": "WRONG",
            "cases": [{"name": "a", "n": 1, "view": {"offset": 8}}, {"name": "b", "n": 2, "view": {"bad_indices": 1}}]})",
        "m.json");
    ASSERT_TRUE(m) << m.error().message;
    auto s = course::check_case_views(*m, {"nonfinite"}, "x/module.json");
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message,
              "x/module.json: cases[1].view.bad_indices: exercise vector-add does not support this view (it supports: "
              "offset, nonfinite)");
    m->cases[1].view.bad_indices = 0;
    EXPECT_TRUE(course::check_case_views(*m, {}, "x/module.json"));  // offset: every exercise's
}

// module.json "pass" (issue 13 point 6): one speed target, measured on the timed case.
std::string with_pass(const std::string& pass, bool timed = true) {
    return std::string(R"({"format": 1, "title": "T", "exercise": "vector-add", "kernel": "k", "starter": "WRONG",
        "cases": [{"name": "a", "n": 1}, {"name": "b", "n": 4096)") +
           (timed ? R"(, "timed": true)" : "") + "}], \"pass\": " + pass + "}";
}

TEST(Manifest, ASpeedGateIsVsVendorOrOfLight) {
    auto none = course::parse_manifest(kGood, "m.json");
    ASSERT_TRUE(none) << none.error().message;
    EXPECT_TRUE(none->pass.empty());
    auto vendor = course::parse_manifest(with_pass(R"({"vs_vendor": 0.6})"), "m.json");
    ASSERT_TRUE(vendor) << vendor.error().message;
    ASSERT_EQ(vendor->pass.size(), 1u);
    EXPECT_EQ(vendor->pass[0].kind, grade::GateKind::VsVendor);
    EXPECT_DOUBLE_EQ(vendor->pass[0].value, 0.6);
    auto light = course::parse_manifest(with_pass(R"({"of_light": 1})"), "m.json");
    ASSERT_TRUE(light) << light.error().message;
    ASSERT_EQ(light->pass.size(), 1u);
    EXPECT_EQ(light->pass[0].kind, grade::GateKind::OfLight);
    EXPECT_DOUBLE_EQ(light->pass[0].value, 1.0);
    EXPECT_TRUE(course::parse_manifest(with_pass(R"({"vs_vendor": 100})"), "m.json"));
    auto solution = course::parse_manifest(with_pass(R"({"vs_solution": 0.9})"), "m.json");
    ASSERT_TRUE(solution) << solution.error().message;
    EXPECT_EQ(solution->pass[0].kind, grade::GateKind::VsSolution);
    auto variant = course::parse_manifest(
        with_pass(R"({"vs_variant": {"defines": {"STAGES": 1, "SWIZZLE": "off"}, "at_least": 1.25}})"), "m.json");
    ASSERT_TRUE(variant) << variant.error().message;
    EXPECT_EQ(variant->pass[0].kind, grade::GateKind::VsVariant);
    EXPECT_DOUBLE_EQ(variant->pass[0].value, 1.25);
    EXPECT_EQ(variant->pass[0].variant(), "STAGES=1, SWIZZLE=off");
    // Several targets, every one of which must be cleared, decided vendor first, then the
    // variant, then light, whatever the order in the file.
    auto both = course::parse_manifest(
        with_pass(R"({"of_light": 0.5, "vs_variant": {"defines": {"STAGES": 1}, "at_least": 1.25}, "vs_vendor": 0.35})"),
        "m.json");
    ASSERT_TRUE(both) << both.error().message;
    ASSERT_EQ(both->pass.size(), 3u);
    EXPECT_EQ(both->pass[0].kind, grade::GateKind::VsVendor);
    EXPECT_EQ(both->pass[1].kind, grade::GateKind::VsVariant);
    EXPECT_EQ(both->pass[2].kind, grade::GateKind::OfLight);
}

TEST(Manifest, ABadSpeedGateIsRefusedNamingTheField) {
    const std::pair<std::string, std::string> cases[] = {
        {R"({"vs_vendor": 0})", "m.json: pass.vs_vendor: must be a number in (0, 100]"},
        {R"({"vs_vendor": -0.5})", "m.json: pass.vs_vendor: must be a number in (0, 100]"},
        {R"({"vs_vendor": 100.5})", "m.json: pass.vs_vendor: must be a number in (0, 100]"},
        {R"({"vs_vendor": "0.6"})", "m.json: pass.vs_vendor: must be a number in (0, 100]"},
        {R"({"vs_vendor": true})", "m.json: pass.vs_vendor: must be a number in (0, 100]"},
        {R"({"of_light": 0})", "m.json: pass.of_light: must be a number in (0, 1]"},
        {R"({"of_light": 80})", "m.json: pass.of_light: must be a number in (0, 1]"},
        {R"({})", "m.json: pass: must be an object of one or more targets"},
        {R"(0.6)", "m.json: pass: must be an object of one or more targets"},
        {R"({"vs_vendor": 0.6, "vs_solution": 0.8})", "m.json: pass: holds vs_vendor and vs_solution"},
        {R"({"vs_vendor": 0.6, "of_light": 8})", "m.json: pass.of_light: must be a number in (0, 1]"},
        {R"({"vs_vendr": 0.6})",
         "m.json: pass.vs_vendr: unknown target (known: vs_vendor, vs_solution, vs_variant, of_light)"},
        {R"({"vs_solution": 0})", "m.json: pass.vs_solution: must be a number in (0, 100]"},
        {R"({"vs_variant": 1.25})", "m.json: pass.vs_variant: must be an object"},
        {R"({"vs_variant": {}})", "m.json: pass.vs_variant.at_least: must be a number in (0, 100]"},
        {R"({"vs_variant": {"file": "controls/one-stage.cu", "speedup": 1.25}})",
         "m.json: pass.vs_variant.file: unknown field"},
        {R"({"vs_variant": {"at_least": 1.25}})", "m.json: pass.vs_variant.defines: must be an object of one or more"},
        {R"({"vs_variant": {"at_least": 1.25, "defines": {}}})", "m.json: pass.vs_variant.defines: must be an object"},
        {R"({"vs_variant": {"at_least": 0, "defines": {"STAGES": 1}}})", "m.json: pass.vs_variant.at_least: must be"},
        {R"({"vs_variant": {"at_least": 1.25, "defines": {"1STAGE": 1}}})",
         "m.json: pass.vs_variant.defines.1STAGE: is not a macro name"},
        {R"({"vs_variant": {"at_least": 1.25, "defines": {"STAGES": 1.5}}})",
         "m.json: pass.vs_variant.defines.STAGES: must be an integer or a string"},
        {R"({"vs_variant": {"at_least": 1.25, "defines": {"STAGES": "1 -DX=2"}}})",
         "m.json: pass.vs_variant.defines.STAGES: must be a number or a name"},
    };
    for (const auto& [pass, message] : cases) {
        auto m = course::parse_manifest(with_pass(pass), "m.json");
        ASSERT_FALSE(m) << pass;
        EXPECT_EQ(m.error().message.rfind(message, 0), 0u) << pass << "\n" << m.error().message;
    }
    auto untimed = course::parse_manifest(with_pass(R"({"vs_vendor": 0.6})", false), "m.json");
    ASSERT_FALSE(untimed);
    EXPECT_EQ(untimed.error().message, "m.json: pass: needs a case marked \"timed\": true (the gate is measured on it)");
}

struct BadManifest {
    const char* text;
    const char* must_mention;
};

TEST(Manifest, ErrorsNameTheFileAndField) {
    const BadManifest cases[] = {
        {"[1]", "JSON object"},
        {"{", "not valid JSON"},
        {R"({"format": 2})", "format"},
        {R"({"format": 1, "title": "T", "exercise": "vector-add", "kernel": "k", "starter": "WRONG"})", "cases"},
        {R"({"format": 1, "title": "T", "exercise": "vector-add", "kernel": "k", "starter": "FINE", "cases": [{"name": "a", "n": 1}]})", "starter"},
        {R"({"format": 1, "title": "T", "exercise": "vector-add", "kernel": "k-1", "starter": "WRONG", "cases": [{"name": "a", "n": 1}]})", "kernel"},
        {R"({"format": 1, "title": "T", "exercise": "vector-add", "kernel": "k", "starter": "WRONG", "cases": [{"name": "a", "n": -4}]})", "cases[0].n"},
        {R"({"format": 1, "title": "T", "exercise": "vector-add", "kernel": "k", "starter": "WRONG", "cases": [{"name": "a", "n": 1}, {"name": "a", "n": 2}]})", "cases[1].name"},
        {R"({"format": 1, "title": "T", "exercise": "vector-add", "kernel": "k", "starter": "WRONG", "cases": [{"name": "a", "n": 1}], "colour": 1})", "colour"},
        {R"({"format": 1, "title": "T", "exercise": "vector-add", "kernel": "k", "starter": "WRONG", "cases": [{"name": "a", "n": 1}], "controls": [{"file": "../x.cu", "expect": "WRONG"}]})", "controls[0].file"},
        {R"({"format": 1, "title": "T", "exercise": "vector-add", "kernel": "k", "starter": "WRONG", "cases": [{"name": "a", "n": 1}], "controls": [{"file": "c.cu", "expect": "MAYBE"}]})", "controls[0].expect"},
        {R"({"format": 1, "title": "T", "exercise": "vector-add", "kernel": "k", "starter": "WRONG", "cases": [{"name": "a", "n": 1}], "controls": [{"file": "c.cu", "expect": "WRONG", "timed": "yes"}]})", "controls[0].timed"},
    };
    for (const auto& c : cases) {
        auto m = course::parse_manifest(c.text, "tracks/t/module-01-x/module.json");
        ASSERT_FALSE(m) << c.text;
        EXPECT_NE(m.error().message.find("tracks/t/module-01-x/module.json"), std::string::npos) << m.error().message;
        EXPECT_NE(m.error().message.find(c.must_mention), std::string::npos) << m.error().message;
    }
}

TEST(Manifest, CaseSizesMustMatchTheExercise) {
    auto m = course::parse_manifest(kGood, "m.json");
    ASSERT_TRUE(m);
    EXPECT_TRUE(course::check_case_fields(*m, {"n"}, "m.json"));
    auto bad = course::check_case_fields(*m, {"rows", "cols"}, "m.json");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("rows"), std::string::npos);
}

class CourseTest : public ::testing::Test {
protected:
    void SetUp() override {
        write(dir.path() / "tracks/basics/module-00-first-kernel/module.json", kGood);
        write(dir.path() / "tracks/missing-elements/module-01-vector-add/module.json", kGood);
        write(dir.path() / "tracks/missing-elements/module-02-matrix-mul/module.json", kGood);
        write(dir.path() / "tracks/optimization/module-01-tiling/module.json", kGood);
        write(dir.path() / "tracks/missing-elements/notes/readme.txt", "not a module");
    }
    TempDir dir;
};

TEST_F(CourseTest, DiscoversModulesInCourseOrder) {
    auto c = course::load_course(dir.path());
    ASSERT_TRUE(c) << c.error().message;
    ASSERT_EQ(c->modules.size(), 4u);
    EXPECT_EQ(c->modules[0].id, "basics/00");
    EXPECT_EQ(c->modules[1].id, "missing-elements/01");
    EXPECT_EQ(c->modules[2].id, "missing-elements/02");
    EXPECT_EQ(c->modules[3].id, "optimization/01");
    EXPECT_EQ(c->modules[1].topic, "vector-add");
    EXPECT_EQ(c->modules[1].rel_dir, "tracks/missing-elements/module-01-vector-add");
}

TEST_F(CourseTest, ResolvesEveryIdForm) {
    auto c = course::load_course(dir.path());
    ASSERT_TRUE(c);
    for (const char* id : {"missing-elements/01", "missing-elements/module-01-vector-add", "vector-add",
                           "tracks/missing-elements/module-01-vector-add/", "./tracks/missing-elements/module-01-vector-add"}) {
        auto m = c->resolve(id);
        ASSERT_TRUE(m) << id << ": " << m.error().message;
        EXPECT_EQ((*m)->id, "missing-elements/01") << id;
    }
    auto b = c->resolve("basics");
    ASSERT_TRUE(b);
    EXPECT_EQ((*b)->id, "basics/00");
}

TEST_F(CourseTest, TyposGetDidYouMean) {
    auto c = course::load_course(dir.path());
    ASSERT_TRUE(c);
    auto m = c->resolve("vectr-add");
    ASSERT_FALSE(m);
    EXPECT_NE(m.error().detail.find("did you mean vector-add"), std::string::npos) << m.error().detail;
    auto t = c->resolve("missing-elements/1");
    ASSERT_FALSE(t);
    EXPECT_NE(t.error().detail.find("missing-elements/01"), std::string::npos) << t.error().detail;
    auto multi = c->resolve("missing-elements");
    ASSERT_FALSE(multi);
    EXPECT_NE(multi.error().message.find("track"), std::string::npos);
}

TEST_F(CourseTest, IdsNeverReachOutsideTracks) {
    auto c = course::load_course(dir.path());
    ASSERT_TRUE(c);
    for (const char* id : {"../../etc/passwd", "/etc/passwd", "tracks/../../etc", "..", "missing-elements/../../x"})
        EXPECT_FALSE(c->resolve(id)) << id;
}

TEST_F(CourseTest, ALinkOutOfTracksIsRefused) {
    TempDir outside;
    write(outside.path() / "module.json", kGood);
    fs::create_directories(dir.path() / "tracks/mastery");
    fs::create_directory_symlink(outside.path(), dir.path() / "tracks/mastery/module-09-escape");
    auto c = course::load_course(dir.path());
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->modules.size(), 4u);
    ASSERT_EQ(c->broken.size(), 1u);
    EXPECT_NE(c->broken[0].problem.find("outside tracks/"), std::string::npos) << c->broken[0].problem;
    EXPECT_FALSE(c->resolve("mastery/09"));
}

// A broken module is reported where it is named and leaves the rest of the course usable.
TEST_F(CourseTest, ABadManifestNamesItsFile) {
    write(dir.path() / "tracks/mastery/module-01-custom-kernels/module.json", R"({"format": 1})");
    auto c = course::load_course(dir.path());
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->modules.size(), 4u);
    ASSERT_EQ(c->broken.size(), 1u);
    EXPECT_EQ(c->broken[0].id, "mastery/01");
    EXPECT_NE(c->broken[0].problem.find("tracks/mastery/module-01-custom-kernels/module.json"), std::string::npos);
    for (const char* id : {"mastery/01", "mastery/module-01-custom-kernels", "custom-kernels"}) {
        auto m = c->resolve(id);
        ASSERT_FALSE(m) << id;
        EXPECT_NE(m.error().message.find("module.json"), std::string::npos) << m.error().message;
        EXPECT_NE(c->broken_named(id), nullptr) << id;
    }
    EXPECT_TRUE(c->resolve("vector-add"));
    EXPECT_EQ(c->broken_named("vector-add"), nullptr);
}

TEST_F(CourseTest, AnEmptyModuleFolderIsBrokenNotFatal) {
    fs::create_directories(dir.path() / "tracks/missing-elements/module-06-scratch");
    auto c = course::load_course(dir.path());
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->modules.size(), 4u);
    ASSERT_EQ(c->broken.size(), 1u);
    EXPECT_EQ(c->broken[0].problem, "tracks/missing-elements/module-06-scratch/module.json: missing (every module folder needs one)");
}

TEST_F(CourseTest, TwoFoldersWithOneIdKeepTheFirst) {
    write(dir.path() / "tracks/missing-elements/module-01-copy/module.json", kGood);
    auto c = course::load_course(dir.path());
    ASSERT_TRUE(c) << c.error().message;
    ASSERT_EQ(c->broken.size(), 1u);
    EXPECT_EQ(c->broken[0].rel_dir, "tracks/missing-elements/module-01-vector-add");  // "copy" sorts first
    EXPECT_NE(c->broken[0].problem.find("same id missing-elements/01"), std::string::npos) << c->broken[0].problem;
    auto m = c->resolve("missing-elements/01");
    ASSERT_TRUE(m);
    EXPECT_EQ((*m)->folder, "module-01-copy");
}

TEST_F(CourseTest, CertificateTracksExistBeforeTheirModules) {
    auto c = course::load_course(dir.path());
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->check_track("mastery"));  // no module yet, but a track of the course
    EXPECT_TRUE(c->check_track("missing-elements"));
    auto typo = c->check_track("optimisation");
    ASSERT_FALSE(typo);
    EXPECT_NE(typo.error().detail.find("did you mean optimization"), std::string::npos) << typo.error().detail;
}

TEST_F(CourseTest, RootIsFoundByWalkingUp) {
    auto r = course::find_course_root(dir.path() / "tracks/missing-elements/module-01-vector-add");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(fs::canonical(*r), fs::canonical(dir.path()));
    TempDir empty;
    EXPECT_FALSE(course::find_course_root(empty.path()));
}

}  // namespace
}  // namespace kc::test
