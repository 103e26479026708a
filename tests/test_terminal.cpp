// What reaches the learner's terminal: control bytes escaped, colour only where it belongs, and
// the error document of --json.
#include <gtest/gtest.h>

#include "report/render.h"
#include "util/printable.h"

namespace kc {
namespace {

TEST(Printable, EscapesControlBytesAndKeepsText) {
    EXPECT_EQ(printable("vec\x1b[31madd"), "vec\\x1b[31madd");
    EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
    EXPECT_EQ(printable("bell\x07 del\x7f cr\r"), "bell\\x07 del\\x7f cr\\x0d");
    EXPECT_EQ(printable("lines\n\tand tabs stay"), "lines\n\tand tabs stay");
    EXPECT_EQ(printable("UTF-8: \xc3\xa9 \xe2\x86\x92 \xf0\x9f\x99\x82"), "UTF-8: \xc3\xa9 \xe2\x86\x92 \xf0\x9f\x99\x82");
    EXPECT_EQ(printable("C1 CSI: \xc2\x9b" "2J"), "C1 CSI: \\u009b2J");
    EXPECT_EQ(printable("NBSP \xc2\xa0 stays"), "NBSP \xc2\xa0 stays");
}

TEST(Colour, AutoPaintsOnlyARealTerminal) {
    EXPECT_TRUE(report::want_color("auto", true, nullptr, "xterm-256color"));
    EXPECT_FALSE(report::want_color("auto", false, nullptr, "xterm-256color"));
    EXPECT_FALSE(report::want_color("auto", true, nullptr, "dumb"));
    EXPECT_FALSE(report::want_color("auto", true, "1", "xterm"));
    EXPECT_TRUE(report::want_color("auto", true, "", "xterm"));  // NO_COLOR= (empty) is not set
    EXPECT_TRUE(report::want_color("auto", true, nullptr, nullptr));
    EXPECT_TRUE(report::want_color("always", false, "1", "dumb"));
    EXPECT_FALSE(report::want_color("never", true, nullptr, "xterm"));
}

TEST(ErrorJson, HasTheMessageDetailAndExitCode) {
    auto j = report::error_json(make_error("no module 'x'", "did you mean y?"), 2);
    EXPECT_EQ(j.at("schema"), report::kJsonSchema);
    EXPECT_EQ(j.at("error").at("message"), "no module 'x'");
    EXPECT_EQ(j.at("error").at("detail"), "did you mean y?");
    EXPECT_EQ(j.at("exit_code"), 2);
    EXPECT_FALSE(report::error_json(make_error("m"), 4).at("error").contains("detail"));
}

}  // namespace
}  // namespace kc
