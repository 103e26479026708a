// matrix-mul: C = A * B, row-major, A m x k, B k x n, C m x n, fp32 with fp32 accumulation.
#include "exercises/matrix_mul.h"

namespace kc::exercises {

namespace {

double d(const Sizes& s, const char* f) { return static_cast<double>(s.at(f)); }
double bytes(const Sizes& s) { return 4.0 * (d(s, "m") * d(s, "k") + d(s, "k") * d(s, "n") + d(s, "m") * d(s, "n")); }
double flops(const Sizes& s) { return 2.0 * d(s, "m") * d(s, "n") * d(s, "k"); }

}  // namespace

const Spec& matrix_mul_spec() {
    static const Spec spec{
        .name = "matrix-mul",
        .fields = {"m", "n", "k"},
        .params = "const float* a, const float* b, float* c, int m, int n, int k",
        .vendor = "cuBLAS cublasSgemm (TF32 off)",
        .bytes = bytes,
        .flops = flops,
    };
    return spec;
}

}  // namespace kc::exercises
