#include "support/exercise_check.h"

#include <algorithm>
#include <span>

namespace kc::test::bounds {

using exercises::TimedTransform;

TensorCase make_run(const FloatExercise& ex, const Sizes& s, uint64_t seed) {
    EXPECT_TRUE(checked_elements(ex, s).has_value());
    return test::make_run(ex, s, seed);
}

grade::Comparison compare_run(const TensorCase& r, const std::vector<float>& got) {
    auto c = grade::compare(got, r.truth, r.bound, r.shape);
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    return c.ok() ? *c : grade::Comparison{};
}

std::string sizes_text(const Sizes& s) {
    std::string out;
    for (const auto& [k, v] : s) out += (out.empty() ? "" : " ") + k + "=" + std::to_string(v);
    return out;
}

void expect_reversed_rows_reverse_truth(const FloatExercise& ex, const Sizes& s) {
    const auto t = ex.timed_transform(s);
    ASSERT_EQ(t.kind, TimedTransform::kReverseRows);
    const auto rows = static_cast<size_t>(s.at("rows")), cols = static_cast<size_t>(s.at("cols"));
    ASSERT_EQ(t.row_length, cols);
    TensorCase r = make_run(ex, s, 21);
    for (auto& v : r.in)  // as the harness does: every input of rows * row_length floats
        if (v.size() == rows * cols)
            for (size_t i = 0; i < rows / 2; ++i)
                std::swap_ranges(v.begin() + static_cast<long>(i * cols), v.begin() + static_cast<long>((i + 1) * cols),
                                 v.begin() + static_cast<long>((rows - 1 - i) * cols));
    std::vector<double> truth(r.elements()), bound(r.elements());
    std::vector<std::span<const float>> cin(r.in.begin(), r.in.end());
    ex.float_truth(s, cin, truth, bound);
    for (size_t i = 0; i < rows; ++i)
        for (size_t j = 0; j < cols; ++j) {
            ASSERT_EQ(truth[i * cols + j], r.truth[(rows - 1 - i) * cols + j]) << sizes_text(s) << " " << i << "," << j;
            ASSERT_EQ(bound[i * cols + j], r.bound[(rows - 1 - i) * cols + j]) << sizes_text(s) << " " << i << "," << j;
        }
}

}  // namespace kc::test::bounds
