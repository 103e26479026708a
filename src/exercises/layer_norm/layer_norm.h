// layer norm over the rows of a row-major rows x cols matrix, with per-column gamma and beta.
#pragma once

#include "exercises/float_exercise.h"

namespace kc::exercises {

const Spec& layer_norm_spec();

constexpr float kLayerNormEps = 1e-5f;

// The host side (layer_norm.cpp, beside this file): inputs x (rows x cols), gamma and beta (cols);
// output y (rows x cols); scalars rows, cols, eps = kLayerNormEps; the timed run reverses the
// rows. The bound and its derivation are in layer_norm.cpp.
const FloatExercise& layer_norm_exercise();

// What layer-norm and layer-norm-gelu share (layer_norm.cpp): x (rows x cols) with gamma and
// beta per column in, y of x's shape out, the scalars rows, cols, eps, and layer norm's inputs
// (make_layer_norm_inputs). Each adds its spec, truth, timed transform and explain.
class RowNormExercise : public FloatExercise {
public:
    std::vector<TensorSpec> inputs(const Sizes& s) const override;
    TensorSpec output(const Sizes& s) const override;
    std::vector<long long> output_shape(const Sizes& s) const override;
    std::vector<Scalar> scalars(const Sizes& s) const override;
    void make_float_inputs(uint64_t seed, const Sizes& s, std::vector<std::span<float>> in) const override;
};

// What a row of x holds; the regime of row r is (r + an offset from the seed) % 4, so every
// regime appears in every case of 4 rows or more and small cases vary with the seed.
enum class LayerNormRow {
    kOrdinary,      // uniform in [-2, 2)
    kLargeMean,     // 1e4 + uniform in [-1, 1): E[x^2] - E[x]^2 in fp32 loses every digit
    kConstant,      // one value, a multiple of 1/8 in [-2, 2]: variance 0, eps alone avoids 0/0
    kSmallVariance  // uniform in [-0.005, 0.005): variance 8e-6, eps = 1e-5 weighs as much
};
LayerNormRow layer_norm_row_regime(uint64_t seed, size_t row);

inline constexpr double kLayerNormC = 5.0;  // the reductions' constant, as in docs/grading.md

// What layer-norm and layer-norm-gelu (its GELU fused after it) share, so that the fused
// exercise sees the same hard rows and is bounded by the same analysis:
//
// x by the row regimes (its rows of `cols`), gamma uniform in [0.5, 1.5), beta in [-1, 1).
void make_layer_norm_inputs(uint64_t seed, size_t cols, std::span<float> x, std::span<float> gamma,
                            std::span<float> beta);
// The float64 truth of y = layer_norm(x) * gamma + beta, row-major rows x cols, and the bound of
// each element's error in a correct fp32 kernel (derived in layer_norm.cpp).
void layer_norm_truth(std::span<const float> x, std::span<const float> gamma, std::span<const float> beta,
                      size_t rows, size_t cols, std::span<double> truth, std::span<double> bound);
// Exercise::explain() of an output whose rows are layer norm's: the row regimes that hold the
// mismatches, with the cause and the fix. `constant_answer` is what y is on a constant row
// ("beta"; "gelu(beta)" after a GELU).
std::string explain_layer_norm_rows(size_t rows, size_t cols, uint64_t seed, std::span<const uint8_t> mismatch_mask,
                                    const std::string& constant_answer);

}  // namespace kc::exercises
