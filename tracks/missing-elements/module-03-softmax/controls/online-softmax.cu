// Control for missing-elements/03 - expected verdict: PASSED.
//
// What it demonstrates: the online softmax (Milakov and Gimelshein, 2018), the idea inside
// FlashAttention. The max and the sum come out of ONE pass over the row instead of two: each
// thread keeps a running max m and the sum s of exp(v - m) over the values it has seen, and when
// a larger value arrives it rescales the sum to the new max:
//     v > m:  s = s * exp(m - v) + 1,  m = v        (the new value's own term is exp(0) = 1)
//     else:   s = s + exp(v - m)
// Two such states merge the same way: m = max(m1, m2), s = s1 * exp(m1 - m) + s2 * exp(m2 - m).
// The merge serves the warp shuffle and the slots in shared memory alike, so the block needs
// one reduction and one barrier instead of two of each. The write is still a second pass.
//
// Its rounding differs from the solution's (every rescale is one more rounding, about ln(n)
// of them for random rows), and it is just as correct: the bound accepts both. The two-pass
// and three-pass versions are the same function; only the number of reads of x changes, which
// matters when a row does not fit in the cache (FlashAttention's rows are whole sequences).

#include "kernelcoach.h"
#include <cuda/std/limits>  // numeric_limits, for infinity

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr float kNegInf = -cuda::std::numeric_limits<float>::infinity();

// The softmax state of a set of values: their max m and the sum s of exp(v - m).
// The empty set is {-inf, 0}.
struct State {
    float m;
    float s;
};

// The state of the union of two sets. An empty state contributes 0 * exp(-inf) = 0; two empty
// states are tested for, because exp(-inf - (-inf)) = exp(NaN) would turn the sum into NaN.
State merge(State a, State b) {
    const float m = fmaxf(a.m, b.m);
    if (m == kNegInf) return a;  // both empty
    return State{m, a.s * expf(a.m - m) + b.s * expf(b.m - m)};
}

State warp_merge(State st) {
    for (int offset = 16; offset > 0; offset /= 2) {
        const State other{__shfl_xor_sync(0xffffffffu, st.m, offset),
                          __shfl_xor_sync(0xffffffffu, st.s, offset)};
        st = merge(st, other);
    }
    return st;
}

extern "C" __global__ void softmax(const float* __restrict__ x, float* __restrict__ y, int rows,
                                   int cols) {
    __shared__ State partial[kWarps];  // one state per warp
    const float* xr = x + static_cast<long long>(blockIdx.x) * cols;  // this block's row
    float* yr = y + static_cast<long long>(blockIdx.x) * cols;
    const int lane = threadIdx.x % 32;
    const int warp = threadIdx.x / 32;

    // One pass: the running max and the rescaled running sum.
    State st{kNegInf, 0.0f};
    for (int j = threadIdx.x; j < cols; j += kThreads) {
        const float v = xr[j];
        if (v > st.m) {
            st.s = st.s * expf(st.m - v) + 1.0f;  // first value: 0 * exp(-inf) + 1 = 1
            st.m = v;
        } else {
            st.s += expf(v - st.m);
        }
    }
    st = warp_merge(st);
    if (lane == 0) partial[warp] = st;
    __syncthreads();  // every slot written before any is read; no slot is written again
    st = partial[0];
    for (int w = 1; w < kWarps; ++w) st = merge(st, partial[w]);  // same order in every thread

    // The second pass: the normalised write.
    const float inv = 1.0f / st.s;
    for (int j = threadIdx.x; j < cols; j += kThreads) {
        yr[j] = expf(xr[j] - st.m) * inv;
    }
}

constexpr Launch launch(Problem p) {
    return Launch{.grid = {unsigned(p.rows)}, .block = {unsigned(kThreads)}};
}
