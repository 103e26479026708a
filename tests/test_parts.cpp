// Modules with parts (issue 13 point 4): the manifest, ids, the expansion into graded entries,
// the module's status derived from its parts', and how list and progress show them.
#include <gtest/gtest.h>

#include "course/course.h"
#include "progress/status.h"
#include "report/render.h"
#include "support/cli.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;
using progress::ModuleStatus;

// A module of two parts; `extra_top` and `extra_part` go into the top level and the first part.
std::string parts_manifest(const std::string& extra_top = "", const std::string& extra_part = "") {
    return R"({"format": 1, "title": "Custom kernels", "summary": "S", "min_sm": 80, "timeout_s": 15)" + extra_top +
           R"(, "parts": [
      {"name": "glu", "title": "GLU", "exercise": "vector-add", "kernel": "vector_add", "starter": "WRONG",
       "cases": [{"name": "one", "n": 1}, {"name": "big", "n": 4096, "timed": true}],
       "controls": [{"file": "controls/glu-wrong.cu", "expect": "WRONG"}])" +
           extra_part + R"(},
      {"name": "swish-2", "title": "Swish", "summary": "its own", "exercise": "convert", "kernel": "convert",
       "starter": "COMPILE_ERROR", "timeout_s": 40, "missing_elements": 3, "cases": [{"name": "one", "n": 1}]}]})";
}

TEST(PartsManifest, EachPartIsTheModuleMergedWithThePart) {
    auto mm = course::parse_module_manifest(parts_manifest(), "m.json");
    ASSERT_TRUE(mm) << mm.error().message;
    EXPECT_EQ(mm->manifest.title, "Custom kernels");
    EXPECT_TRUE(mm->manifest.exercise.empty());
    ASSERT_EQ(mm->parts.size(), 2u);
    const auto& glu = mm->parts[0];
    EXPECT_EQ(glu.name, "glu");
    EXPECT_EQ(glu.manifest.title, "GLU");
    EXPECT_EQ(glu.manifest.summary, "S");  // the module's, when the part gives none
    EXPECT_EQ(glu.manifest.min_sm, 80);
    EXPECT_DOUBLE_EQ(glu.manifest.timeout_s, 15);
    EXPECT_EQ(glu.manifest.exercise, "vector-add");
    EXPECT_EQ(glu.manifest.kernel, "vector_add");
    ASSERT_EQ(glu.manifest.controls.size(), 1u);
    EXPECT_EQ(glu.manifest.controls[0].file, "controls/glu-wrong.cu");
    const auto& swish = mm->parts[1];
    EXPECT_EQ(swish.name, "swish-2");
    EXPECT_EQ(swish.manifest.summary, "its own");
    EXPECT_DOUBLE_EQ(swish.manifest.timeout_s, 40);  // a part may override the deadline
    EXPECT_EQ(swish.manifest.min_sm, 80);
    EXPECT_EQ(swish.manifest.missing_elements, 3);
    EXPECT_EQ(swish.manifest.starter, "COMPILE_ERROR");
    EXPECT_TRUE(swish.manifest.controls.empty());
}

TEST(PartsManifest, APlainManifestHasNoParts) {
    auto mm = course::parse_module_manifest(R"({"format": 1, "title": "T", "exercise": "vector-add", "kernel": "k",
        "starter": "WRONG", "cases": [{"name": "a", "n": 1}]})",
                                            "m.json");
    ASSERT_TRUE(mm) << mm.error().message;
    EXPECT_TRUE(mm->parts.empty());
    EXPECT_EQ(mm->manifest.exercise, "vector-add");
    // parse_manifest reads plain modules only.
    auto plain = course::parse_manifest(parts_manifest(), "m.json");
    ASSERT_FALSE(plain);
    EXPECT_NE(plain.error().message.find("m.json: parts"), std::string::npos) << plain.error().message;
}

TEST(PartsManifest, ErrorsNameTheFieldInsideThePart) {
    const std::pair<std::string, std::string> cases[] = {
        // Both "parts" and a module's own exercise: never both.
        {parts_manifest(R"(, "exercise": "vector-add")"), "m.json: exercise: a module has either \"parts\" or its own exercise"},
        {parts_manifest(R"(, "cases": [])"), "m.json: cases: a module has either \"parts\""},
        // What belongs to the module is not a part's.
        {parts_manifest("", R"(, "min_sm": 90)"), "m.json: parts[0].min_sm: belongs to the module"},
        {parts_manifest("", R"(, "arch": "sm_90a")"), "m.json: parts[0].arch: belongs to the module"},
        {parts_manifest("", R"(, "colour": 1)"), "m.json: parts[0].colour: unknown field"},
        // A part's own fields are checked as a module's are, with the part in the path.
        {parts_manifest("", R"(, "pass": {"of_light": 2})"), "m.json: parts[0].pass.of_light: must be a number in (0, 1]"},
        {parts_manifest("", R"(, "timeout_s": 0)"), "m.json: parts[0].timeout_s: must be a number of seconds"},
    };
    for (const auto& [text, message] : cases) {
        auto mm = course::parse_module_manifest(text, "m.json");
        ASSERT_FALSE(mm) << text;
        EXPECT_EQ(mm.error().message.rfind(message, 0), 0u) << mm.error().message;
    }
    auto bad_case = course::parse_module_manifest(R"({"format": 1, "title": "T", "parts": [
        {"name": "a", "title": "A", "exercise": "vector-add", "kernel": "k", "starter": "WRONG",
         "cases": [{"name": "one", "n": -1}]}]})",
                                                  "m.json");
    ASSERT_FALSE(bad_case);
    EXPECT_EQ(bad_case.error().message, "m.json: parts[0].cases[0].n: must be a non-negative integer size");
}

TEST(PartsManifest, PartNamesAreFileNamesAndUnique) {
    const std::string part = R"({"title": "A", "exercise": "vector-add", "kernel": "k", "starter": "WRONG",
                                 "cases": [{"name": "one", "n": 1}])";
    auto with_names = [&](const std::string& a, const std::string& b) {
        return R"({"format": 1, "title": "T", "parts": [)" + part + R"(, "name": )" + a + "}, " + part +
               R"(, "name": )" + b + "}]}";
    };
    EXPECT_TRUE(course::parse_module_manifest(with_names(R"("glu")", R"("swish-2")"), "m.json"));
    for (const char* bad : {R"("GLU")", R"("a b")", R"("../x")", R"("-x")", R"("2x")", R"("")", "7"}) {
        auto mm = course::parse_module_manifest(with_names(bad, R"("ok")"), "m.json");
        ASSERT_FALSE(mm) << bad;
        EXPECT_EQ(mm.error().message.rfind("m.json: parts[0].name: must be lowercase letters", 0), 0u) << mm.error().message;
    }
    auto twice = course::parse_module_manifest(with_names(R"("glu")", R"("glu")"), "m.json");
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().message, "m.json: parts[1].name: 'glu' names another part too");
    auto none = course::parse_module_manifest(R"({"format": 1, "title": "T", "parts": []})", "m.json");
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().message.rfind("m.json: parts: must be a non-empty array", 0), 0u);
    EXPECT_TRUE(course::is_part_name("complex-multiply"));
    EXPECT_FALSE(course::is_part_name("Complex"));
}

// ---- the course: expansion and ids -------------------------------------------------------------

const char* kPlain = R"({"format": 1, "title": "T", "exercise": "vector-add", "kernel": "vector_add",
  "starter": "WRONG", "cases": [{"name": "one", "n": 1}]})";

class PartsCourse : public ::testing::Test {
protected:
    void SetUp() override {
        write_text(dir.path() / "tracks/mastery/module-01-custom-kernels/module.json", parts_manifest());
        write_text(dir.path() / "tracks/mastery/module-02-fused-operations/module.json", kPlain);
        write_text(dir.path() / "tracks/missing-elements/module-01-vector-add/module.json", kPlain);
        auto c = course::load_course(dir.path());
        ASSERT_TRUE(c) << c.error().message;
        course = std::move(*c);
    }
    std::vector<std::string> ids_of(const std::string& id) const {
        auto units = course.resolve_units(id);
        EXPECT_TRUE(units) << id << ": " << units.error().message;
        std::vector<std::string> out;
        if (units)
            for (const auto* u : *units) out.push_back(u->id);
        return out;
    }
    TempDir dir;
    course::Course course;
};

TEST_F(PartsCourse, AModuleWithPartsIsOneEntryPerPartInOrder) {
    ASSERT_EQ(course.modules.size(), 4u);
    EXPECT_EQ(course.modules[0].id, "missing-elements/01");
    EXPECT_EQ(course.modules[1].id, "mastery/01/glu");
    EXPECT_EQ(course.modules[2].id, "mastery/01/swish-2");
    EXPECT_EQ(course.modules[3].id, "mastery/02");
    const auto& glu = course.modules[1];
    EXPECT_TRUE(glu.is_part());
    EXPECT_EQ(glu.part, "glu");
    EXPECT_EQ(glu.module_id(), "mastery/01");
    EXPECT_EQ(glu.module_title, "Custom kernels");
    EXPECT_EQ(glu.manifest.title, "GLU");
    EXPECT_EQ(glu.kernel_file(), "glu.cu");
    EXPECT_EQ(glu.kernel_path(), glu.dir / "glu.cu");
    EXPECT_EQ(glu.rel_kernel(), "tracks/mastery/module-01-custom-kernels/glu.cu");
    EXPECT_EQ(glu.solution_path(), glu.dir / "solution" / "glu.cu");
    EXPECT_EQ(glu.rel_solution(), "tracks/mastery/module-01-custom-kernels/solution/glu.cu");
    const auto& plain = course.modules[3];
    EXPECT_FALSE(plain.is_part());
    EXPECT_EQ(plain.module_id(), "mastery/02");
    EXPECT_EQ(plain.kernel_file(), "kernel.cu");
    EXPECT_EQ(plain.rel_solution(), "tracks/mastery/module-02-fused-operations/solution/kernel.cu");
}

TEST_F(PartsCourse, GroupsAreModulesWithTheirEntries) {
    const auto groups = course.groups();
    ASSERT_EQ(groups.size(), 3u);
    EXPECT_EQ(groups[1].id(), "mastery/01");
    EXPECT_EQ(groups[1].title(), "Custom kernels");
    EXPECT_TRUE(groups[1].has_parts());
    ASSERT_EQ(groups[1].units.size(), 2u);
    EXPECT_EQ(groups[1].units[1]->part, "swish-2");
    EXPECT_FALSE(groups[2].has_parts());
    EXPECT_EQ(course.groups("mastery").size(), 2u);
    EXPECT_EQ(course.group_of(course.modules[2]).units.size(), 2u);
    EXPECT_EQ(course.group_of(course.modules[0]).units.size(), 1u);
}

TEST_F(PartsCourse, AModuleIdNamesEveryPartAndAPartIdOne) {
    const std::vector<std::string> both = {"mastery/01/glu", "mastery/01/swish-2"};
    for (const char* id : {"mastery/01", "mastery/module-01-custom-kernels", "custom-kernels",
                           "tracks/mastery/module-01-custom-kernels/"})
        EXPECT_EQ(ids_of(id), both) << id;
    for (const char* id : {"mastery/01/glu", "mastery/module-01-custom-kernels/glu", "custom-kernels/glu",
                           "tracks/mastery/module-01-custom-kernels/glu/", "./tracks/mastery/module-01-custom-kernels/glu"})
        EXPECT_EQ(ids_of(id), std::vector<std::string>{"mastery/01/glu"}) << id;
    EXPECT_EQ(ids_of("mastery/02"), std::vector<std::string>{"mastery/02"});
    // resolve() wants one entry: a part, or a module without parts.
    auto one = course.resolve("mastery/01/swish-2");
    ASSERT_TRUE(one);
    EXPECT_EQ((*one)->part, "swish-2");
    auto several = course.resolve("mastery/01");
    ASSERT_FALSE(several);
    EXPECT_EQ(several.error().message, "mastery/01 has 2 parts; name one");
    EXPECT_NE(several.error().detail.find("mastery/01/glu, mastery/01/swish-2"), std::string::npos);
}

TEST_F(PartsCourse, UnknownPartsGetDidYouMean) {
    auto typo = course.resolve_units("mastery/01/gul");
    ASSERT_FALSE(typo);
    EXPECT_EQ(typo.error().message, "mastery/01 has no part 'gul'");
    EXPECT_EQ(typo.error().detail, "did you mean mastery/01/glu?");
    auto far = course.resolve_units("mastery/01/attention");
    ASSERT_FALSE(far);
    EXPECT_EQ(far.error().detail, "its parts are glu, swish-2");
    // A module without parts has none to name; a misspelt part id is suggested too.
    auto plain = course.resolve_units("mastery/02/glu");
    ASSERT_FALSE(plain);
    EXPECT_EQ(plain.error().message, "no module 'mastery/02/glu'");
    auto whole = course.resolve_units("mastery/1/glu");
    ASSERT_FALSE(whole);
    EXPECT_NE(whole.error().detail.find("mastery/01/glu"), std::string::npos) << whole.error().detail;
    for (const char* id : {"mastery/01/../../x", "mastery/01/glu/..", "../mastery/01/glu"}) EXPECT_FALSE(course.resolve_units(id)) << id;
}

TEST_F(PartsCourse, APartOfABrokenModuleReportsTheModulesProblem) {
    write_text(dir.path() / "tracks/mastery/module-03-attention/module.json",
               parts_manifest(R"(, "exercise": "vector-add")"));
    auto c = course::load_course(dir.path());
    ASSERT_TRUE(c) << c.error().message;
    ASSERT_EQ(c->broken.size(), 1u);
    EXPECT_NE(c->broken[0].problem.find("module-03-attention/module.json: exercise"), std::string::npos) << c->broken[0].problem;
    for (const char* id : {"mastery/03", "mastery/03/glu", "mastery/module-03-attention/glu"}) {
        EXPECT_NE(c->broken_named(id), nullptr) << id;
        auto r = c->resolve_units(id);
        ASSERT_FALSE(r) << id;
        EXPECT_NE(r.error().message.find("module.json"), std::string::npos) << r.error().message;
    }
    EXPECT_EQ(c->broken_named("mastery/01/glu"), nullptr);
}

TEST_F(PartsCourse, AFolderWithTheIdOfAModuleWithPartsIsBroken) {
    write_text(dir.path() / "tracks/mastery/module-01-copy/module.json", kPlain);  // "copy" sorts first
    auto c = course::load_course(dir.path());
    ASSERT_TRUE(c) << c.error().message;
    ASSERT_EQ(c->broken.size(), 1u);
    EXPECT_EQ(c->broken[0].rel_dir, "tracks/mastery/module-01-custom-kernels");
    EXPECT_EQ(c->modules.size(), 3u);
    auto kept = c->resolve_units("mastery/01");
    ASSERT_TRUE(kept) << kept.error().message;
    ASSERT_EQ(kept->size(), 1u);
    EXPECT_EQ(kept->front()->folder, "module-01-copy");
}

// ---- the module's status, from its parts' ---------------------------------------------------------

TEST(PartsStatus, TheModulePassesWhenEveryPartPasses) {
    using S = ModuleStatus;
    EXPECT_EQ(progress::module_status({S::passed, S::passed}), S::passed);
    EXPECT_EQ(progress::module_status({S::passed, S::failed}), S::failed);
    EXPECT_EQ(progress::module_status({S::failed, S::not_attempted}), S::failed);
    EXPECT_EQ(progress::module_status({S::not_attempted, S::not_attempted}), S::not_attempted);
    EXPECT_EQ(progress::module_status({S::passed, S::not_attempted}), S::not_attempted);
    EXPECT_EQ(progress::module_status({S::passed}), S::passed);
    EXPECT_EQ(progress::module_status({}), S::not_attempted);
}

TEST_F(PartsCourse, StatusOfAModuleIsDerivedFromItsParts) {
    report::ProgressMap p;
    const auto groups = course.groups();
    EXPECT_EQ(report::status_of(p, groups[1]), "not-started");
    p["mastery/01/glu"].status = ModuleStatus::passed;
    EXPECT_EQ(report::status_of(p, groups[1]), "not-started");  // one part not tried yet
    p["mastery/01/swish-2"].status = ModuleStatus::failed;
    EXPECT_EQ(report::status_of(p, groups[1]), "failed");
    p["mastery/01/swish-2"].status = ModuleStatus::passed;
    EXPECT_EQ(report::status_of(p, groups[1]), "passed");
    // An entry under the module's own id (none is ever written) does not count for it.
    p.erase("mastery/01/glu");
    p["mastery/01"].status = ModuleStatus::passed;
    EXPECT_EQ(report::status_of(p, groups[1]), "not-started");
    EXPECT_EQ(report::status_of(p, groups[2]), "not-started");
}

TEST_F(PartsCourse, ListAndProgressShowTheModuleThenItsParts) {
    report::ProgressMap p;
    p["mastery/01/glu"].status = ModuleStatus::passed;
    p["mastery/01/glu"].attempts = 2;
    p["mastery/01/swish-2"].status = ModuleStatus::failed;
    p["mastery/01/swish-2"].attempts = 1;
    const std::string list = report::list_text(course, p, report::Style{});
    EXPECT_NE(list.find("mastery\n  mastery/01             Custom kernels               failed\n"
                        "    mastery/01/glu       GLU                          passed\n"
                        "    mastery/01/swish-2   Swish                        failed\n"
                        "  mastery/02 "),
              std::string::npos)
        << list;
    const std::string shown = report::progress_text(course, p, report::Style{});
    EXPECT_NE(shown.find("mastery            [....................] 0/2\n"), std::string::npos) << shown;
    EXPECT_NE(shown.find("    mastery/01/glu       GLU                        passed  2 attempt(s)\n"), std::string::npos)
        << shown;
    EXPECT_NE(shown.find("0/3 modules of the certificate passed"), std::string::npos) << shown;
    p["mastery/01/swish-2"].status = ModuleStatus::passed;
    EXPECT_NE(report::progress_text(course, p, report::Style{}).find("mastery            [##########..........] 1/2"),
              std::string::npos);

    const auto j = report::list_json(course, p);
    ASSERT_EQ(j.at("modules").size(), 3u);
    const auto& m = j.at("modules")[1];
    EXPECT_EQ(m.at("id"), "mastery/01");
    EXPECT_EQ(m.at("status"), "passed");
    EXPECT_FALSE(m.contains("exercise"));
    ASSERT_EQ(m.at("parts").size(), 2u);
    EXPECT_EQ(m.at("parts")[1].at("id"), "mastery/01/swish-2");
    EXPECT_EQ(m.at("parts")[1].at("part"), "swish-2");
    EXPECT_EQ(m.at("parts")[1].at("exercise"), "convert");
    EXPECT_EQ(m.at("parts")[1].at("file"), "swish-2.cu");
    const auto pj = report::progress_json(course, p);
    for (const auto& t : pj.at("tracks"))
        if (t.at("track") == "mastery") {
            EXPECT_EQ(t.at("passed"), 1);
            EXPECT_EQ(t.at("modules")[0].at("parts")[0].at("attempts"), 2);
        }
}

TEST(PartsLine, CountsThePartsThatPassedAndTheOthersByVerdict) {
    using grade::Verdict;
    const report::Style plain{};
    EXPECT_EQ(report::parts_line("m/01", {Verdict::Passed, Verdict::Passed}, plain), "m/01: 2 of 2 parts passed");
    EXPECT_EQ(report::parts_line("m/01", {Verdict::Passed, Verdict::Wrong}, plain), "m/01: 1 of 2 parts passed (1 WRONG)");
    EXPECT_EQ(report::parts_line("m/01", {Verdict::Skipped, Verdict::Wrong, Verdict::Skipped}, plain),
              "m/01: 0 of 3 parts passed (2 SKIPPED, 1 WRONG)");
    const auto j = report::parts_json("m/01", {Verdict::Passed, Verdict::Wrong});
    EXPECT_EQ(j, (nlohmann::json{{"id", "m/01"}, {"parts", 2}, {"passed", 1}}));
}

}  // namespace
}  // namespace kc::test
