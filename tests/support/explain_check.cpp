#include "support/explain_check.h"

#include <gtest/gtest.h>

#include "exercises/exercise.h"

namespace kc::test::explain {

Checked check(const CaseRun& r, const std::vector<float>& got, std::optional<grade::LaunchShape> launch) {
    std::vector<uint8_t> mask;
    const auto shape = r.ex->output_shape(r.sizes);
    auto c = grade::compare(got, r.truth, r.bound, shape, &mask);
    EXPECT_TRUE(c.ok());
    if (!c.ok()) return {};
    return {*c, diagnose_case(*r.ex, r.sizes, r.seed, r.ex->output(r.sizes).name, *c, mask, launch)};
}

}  // namespace kc::test::explain
