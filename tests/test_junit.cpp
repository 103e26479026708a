// JUnit XML from `check --junit`, and OSC-8 links.
#include <gtest/gtest.h>

#include <fstream>

#include "report/junit.h"
#include "report/render.h"
#include "support/cli.h"

namespace kc::test {
namespace {

TEST(Junit, EscapesXml) {
    EXPECT_EQ(report::xml_escape("a<b & \"c\" 'd'>\x01"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt; ");
}

// One testcase per graded kernel: a module, or a part of a module with parts (fixtures/15 has two).
TEST(Junit, CheckWritesOneTestcasePerModule) {
    TempDir dir;
    copy_course(fixture_course(), dir.path());
    auto file = dir.path() / "results.xml";
    auto r = run_cli({"--course", dir.path().string(), "check", "--all", "--junit", file.string()});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    std::ifstream in(file);
    std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(xml.empty());
    EXPECT_NE(xml.find("tests=\"19\""), std::string::npos) << xml;
    EXPECT_NE(xml.find("name=\"fixtures/03\""), std::string::npos);
    EXPECT_NE(xml.find("name=\"fixtures/15/convert\""), std::string::npos);
    EXPECT_NE(xml.find("<failure type=\"COMPILE_ERROR\""), std::string::npos);
    size_t testcases = 0;
    for (size_t p = 0; (p = xml.find("<testcase ", p)) != std::string::npos; ++p) ++testcases;
    EXPECT_EQ(testcases, 19u);
    // Without a GPU the sixteen kernels that compile are skipped, never passed.
    const bool gpu = run_cli({"--course", dir.path().string(), "info"}).exit_code == 0;
    if (!gpu) {
        EXPECT_NE(xml.find("skipped=\"16\""), std::string::npos) << xml;
        EXPECT_NE(xml.find("name=\"fixtures/01\" time=\""), std::string::npos);
        EXPECT_NE(xml.find("<skipped message=\"compiled; not run"), std::string::npos) << xml;
    }
}

TEST(Links, AreOsc8OnlyWithColour) {
    report::Style plain{false, false}, colour{true, false};
    EXPECT_EQ(report::link(plain, "/a/kernel.cu", "kernel.cu:3:4"), "kernel.cu:3:4");
    EXPECT_EQ(report::link(colour, "/a/kernel.cu", "kernel.cu:3:4"),
              "\033]8;;file:///a/kernel.cu\033\\kernel.cu:3:4\033]8;;\033\\");
}

}  // namespace
}  // namespace kc::test
