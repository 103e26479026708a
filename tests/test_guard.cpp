#include <gtest/gtest.h>

#include "grade/guard.h"

namespace kc::grade {
namespace {

TEST(Guard, NamesTheElementsPastTheEnd) {
    // A missing bounds check: n = 1000, 4 blocks of 256 threads write elements 1000..1023.
    auto text = describe({"out", false, 0, 95, 4, 1000});
    EXPECT_EQ(text, "the kernel wrote past the end of `out`: elements 1000 to 1023 of a buffer of 1000 "
                    "(up to 96 bytes past its end); is a bounds check missing?");
    EXPECT_NE(describe({"out", false, 0, 3, 4, 1024}).find("element 1024 of a buffer of 1024"), std::string::npos);
}

TEST(Guard, NamesWritesBeforeTheStart) {
    auto text = describe({"out", true, 0, 3, 4, 10});
    EXPECT_NE(text.find("before the start of `out`"), std::string::npos) << text;
    EXPECT_NE(text.find("element -1"), std::string::npos) << text;
}

}  // namespace
}  // namespace kc::grade
