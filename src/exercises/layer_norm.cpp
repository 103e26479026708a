// layer-norm: y[r][j] = (x[r][j] - mean_r) / sqrt(var_r + eps) * gamma[j] + beta[j], with the
// biased variance of row r; row-major rows x cols; eps = 1e-5.
#include "exercises/layer_norm.h"

namespace kc::exercises {

namespace {

double rows(const Sizes& s) { return static_cast<double>(s.at("rows")); }
double cols(const Sizes& s) { return static_cast<double>(s.at("cols")); }
double bytes(const Sizes& s) { return 8.0 * rows(s) * cols(s) + 8.0 * cols(s); }  // x, y, gamma, beta
double flops(const Sizes& s) { return 8.0 * rows(s) * cols(s); }

}  // namespace

const Spec& layer_norm_spec() {
    static const Spec spec{
        .name = "layer-norm",
        .fields = {"rows", "cols"},
        .params = "const float* x, const float* gamma, const float* beta, float* y, int rows, int cols, float eps",
        .vendor = "cuDNN layer norm (graph API, NORM_FORWARD)",
        .bytes = bytes,
        .flops = flops,
    };
    return spec;
}

}  // namespace kc::exercises
