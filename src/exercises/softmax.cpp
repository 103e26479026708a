// softmax: y[r][j] = exp(x[r][j] - max_r) / sum_j exp(x[r][j] - max_r), row-major rows x cols.
#include "exercises/softmax.h"

namespace kc::exercises {

namespace {

double elems(const Sizes& s) { return static_cast<double>(s.at("rows")) * static_cast<double>(s.at("cols")); }
double bytes(const Sizes& s) { return 8.0 * elems(s); }   // read x, write y
double flops(const Sizes& s) { return 5.0 * elems(s); }   // max, subtract, exp, add, divide

}  // namespace

const Spec& softmax_spec() {
    static const Spec spec{
        .name = "softmax",
        .fields = {"rows", "cols"},
        .params = "const float* x, float* y, int rows, int cols",
        .vendor = "cuDNN cudnnSoftmaxForward (accurate, instance mode)",
        .bytes = bytes,
        .flops = flops,
    };
    return spec;
}

}  // namespace kc::exercises
