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

// A fused vendor's unfused pair travels with the timing; a timing without one sends none.
TEST(Protocol, ATimingKeepsTheUnfusedPairOnlyWhenThereIsOne) {
    Timing t;
    t.case_name = "mlp";
    t.kernel_ms = 0.3;
    EXPECT_FALSE(nlohmann::json(t).contains("unfused"));
    EXPECT_FALSE(nlohmann::json::parse(nlohmann::json(t).dump()).get<Timing>().unfused);
    t.unfused = UnfusedTiming{"cuBLASLt bf16 GEMM, then a bias + GELU pass", 0.25, 0.24, 0.27, 0.8, 0.9};
    const auto back = nlohmann::json::parse(nlohmann::json(t).dump()).get<Timing>();
    ASSERT_TRUE(back.unfused);
    EXPECT_EQ(back.unfused->what, "cuBLASLt bf16 GEMM, then a bias + GELU pass");
    EXPECT_DOUBLE_EQ(back.unfused->ms, 0.25);
    EXPECT_DOUBLE_EQ(back.unfused->p10, 0.24);
    EXPECT_DOUBLE_EQ(back.unfused->p90, 0.27);
    EXPECT_DOUBLE_EQ(back.unfused->ratio_p10, 0.8);
    EXPECT_DOUBLE_EQ(back.unfused->ratio_p90, 0.9);
}

}  // namespace
}  // namespace kc::wire
