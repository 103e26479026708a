// Control for missing-elements/01 - expected verdict: WRONG.
//
// What it demonstrates: an access past the end of a buffer that changes no byte. Each thread
// handles a group of 4 elements with float4 loads and stores. For the last, partial group
// (n % 4 != 0) it loads the whole float4 of `out`, replaces only the lanes inside the array, and
// stores the float4 back: the up to 3 floats past the end are read and written back unchanged.
// Every value is right and the guard zones after `out` hold what they held, so no comparison
// of bytes can see it. In a real program those floats belong to another array, and a thread
// that updates one of them between this load and this store loses its update.
//
// compute-sanitizer's memcheck sees it: kernelcoach runs every kernel that passes the plain
// runs once under memcheck, on a small case whose sizes are not a multiple of 4, with every
// buffer allocated at exactly its size. The report names this file's line and the buffer:
// "16 bytes ... past the end of `out`".

#include "kernelcoach.h"

extern "C" __global__ void vector_add(const float* __restrict__ a,
                                      const float* __restrict__ b,
                                      float* __restrict__ out,
                                      int n)
{
    const int g = blockIdx.x * blockDim.x + threadIdx.x;  // the group of elements 4g .. 4g + 3
    const int i = 4 * g;
    if (i >= n) return;
    if (i + 4 <= n) {  // a whole group
        const float4 x = reinterpret_cast<const float4*>(a)[g];
        const float4 y = reinterpret_cast<const float4*>(b)[g];
        reinterpret_cast<float4*>(out)[g] = make_float4(x.x + y.x, x.y + y.y, x.z + y.z, x.w + y.w);
        return;
    }
    // The last, partial group: read-modify-write of a whole float4 (the bug).
    float4 o = reinterpret_cast<float4*>(out)[g];
    o.x = a[i] + b[i];
    if (i + 1 < n) o.y = a[i + 1] + b[i + 1];
    if (i + 2 < n) o.z = a[i + 2] + b[i + 2];
    reinterpret_cast<float4*>(out)[g] = o;
}

constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;
    const long long groups = (p.n + 3) / 4;
    return Launch{.grid = {unsigned((groups + threads - 1) / threads)}, .block = {threads}};
}
