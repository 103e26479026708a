// conv2d: a direct 2D convolution (cross-correlation, as in every deep-learning library),
// input NCHW, filter KCRS, output NKPQ with P = (H + 2 pad - R) / stride + 1 and likewise Q.
#include "exercises/conv2d.h"

namespace kc::exercises {

namespace {

double f(const Sizes& s, const char* name) { return static_cast<double>(s.at(name)); }
double bytes(const Sizes& s) {
    return 4.0 * (f(s, "n") * f(s, "c") * f(s, "h") * f(s, "w") + f(s, "k") * f(s, "c") * f(s, "r") * f(s, "s") +
                  f(s, "n") * f(s, "k") * static_cast<double>(conv2d_p(s)) * static_cast<double>(conv2d_q(s)));
}
double flops(const Sizes& s) {
    return 2.0 * f(s, "n") * f(s, "k") * static_cast<double>(conv2d_p(s)) * static_cast<double>(conv2d_q(s)) *
           f(s, "c") * f(s, "r") * f(s, "s");
}

}  // namespace

long long conv2d_p(const Sizes& s) { return (s.at("h") + 2 * s.at("pad") - s.at("r")) / s.at("stride") + 1; }
long long conv2d_q(const Sizes& s) { return (s.at("w") + 2 * s.at("pad") - s.at("s")) / s.at("stride") + 1; }

const Spec& conv2d_spec() {
    static const Spec spec{
        .name = "conv2d",
        .fields = {"n", "c", "h", "w", "k", "r", "s", "pad", "stride"},
        .params = "const float* input, const float* filter, float* output, int n, int c, int h, int w, int k, "
                  "int r, int s, int pad, int stride",
        .vendor = "cuDNN convolution forward (FMA math, TF32 off)",
        .bytes = bytes,
        .flops = flops,
    };
    return spec;
}

}  // namespace kc::exercises
