// The parent and the worker agree on a case: what one writes, the other reads back unchanged.
#include <gtest/gtest.h>

#include "wire/protocol.h"

namespace kc::wire {
namespace {

CaseRequest round_trip(const CaseRequest& c) {
    return nlohmann::json::parse(nlohmann::json(c).dump()).get<CaseRequest>();
}

TEST(Protocol, ACaseKeepsItsViewAndPlainOnesSendNone) {
    CaseRequest c;
    c.name = "misaligned-4";
    c.sizes = {{"n", 500}};
    c.launches = {Launch{}};
    EXPECT_FALSE(nlohmann::json(c).contains("view"));
    EXPECT_TRUE(round_trip(c).view.plain());
    c.view.offset = 4;
    c.view.nonfinite = true;
    c.view.bad_indices = 8;
    const auto back = round_trip(c);
    EXPECT_EQ(back.view.offset, 4);
    EXPECT_TRUE(back.view.nonfinite);
    EXPECT_EQ(back.view.bad_indices, 8);
    EXPECT_EQ(back.name, "misaligned-4");
}

}  // namespace
}  // namespace kc::wire
