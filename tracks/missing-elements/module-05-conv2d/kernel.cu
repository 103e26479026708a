// missing-elements/05 - conv2d: a direct 2D convolution (a cross-correlation, as in cuDNN and
// PyTorch), input NCHW, filter KCRS, output NKPQ, with zero padding and a stride:
//
//     output[b][kk][p][q] = sum over ch < C, i < R, j < S of
//                           input[b][ch][p*stride - pad + i][q*stride - pad + j] * filter[kk][ch][i][j]
//
// where a term whose input row or column falls outside the image is zero.
//
// What it teaches: the index arithmetic of a convolution - the output size from the input size,
// filter size, padding and stride; a flat thread index taken apart into (b, kk, p, q); the input
// window of an output position; the padding test; the offsets of a 4D tensor in NCHW, KCRS and
// NKPQ layout; and the launch geometry for one thread per output element. The same arithmetic
// is what im2col writes out as a matrix (README).
//
// This file has 29 missing elements. Each is marked with a numbered TODO comment that says
// WHAT is missing, not how to write it. As it stands the file does not compile. Fill them in,
// then run
//
//     kernelcoach run missing-elements/05
//
// and read the verdict: COMPILE_ERROR points at a line of this file; WRONG says which output
// elements are wrong, where (batch, channel, row, column) and how. hints.md, beside this file,
// has one hint per group of TODOs; read them in order, one at a time. tracks/README.md states
// the rules this file must follow.
//
// Fixed by the module (kernelcoach launches the kernel by this name, with these arguments):
//     conv2d(input, filter, output, n, c, h, w, k, r, s, pad, stride)
//     input    N x C x H x W floats (NCHW)     n, c, h, w   batch, input channels, height, width
//     filter   K x C x R x S floats (KCRS)     k, r, s      output channels, filter height, width
//     output   N x K x P x Q floats (NKPQ)     pad, stride  zero rows/columns added on each side,
//                                                           step of the window (same in both axes)

#include "kernelcoach.h"

// The number of positions the filter window takes along one axis of the input. Used for the
// output height P (input height, filter height) and width Q (input width, filter width).
constexpr long long out_extent(long long in, long long f, long long pad, long long stride) {
    // TODO(1): the number of window positions, from the input length, filter length, padding and stride
    const long long positions = ;
    return positions;
}

extern "C" __global__ void conv2d(const float* __restrict__ input,   // N x C x H x W
                                  const float* __restrict__ filter,  // K x C x R x S
                                  float* __restrict__ output,        // N x K x P x Q
                                  int n, int c, int h, int w, int k, int r, int s, int pad, int stride)
{
    // TODO(2): the output height P
    const int P = ;
    // TODO(3): the output width Q
    const int Q = ;

    // TODO(4): the number of output elements
    const int total = ;

    // TODO(5): the flat index of the output element this thread computes
    const int idx = ;

    // TODO(6): the condition under which this thread has no output element and leaves
    if () return;

    // The flat index, taken apart into the output's four coordinates (output layout NKPQ).
    // TODO(7): the output column q
    const int q = ;
    // TODO(8): the output row p
    const int p = ;
    // TODO(9): the output channel kk
    const int kk = ;
    // TODO(10): the image b of the batch
    const int b = ;

    // The top-left corner of this output's window, in the coordinates of the unpadded input.
    // TODO(11): the first input row of the window (stride and padding both matter)
    const int row0 = ;
    // TODO(12): the first input column of the window
    const int col0 = ;

    // TODO(13): the accumulator for the sum, before the first term
    float acc = ;

    // TODO(14): the loop over the input channels, ch
    for () {
        // TODO(15): the loop over the filter rows, i
        for () {
            // TODO(16): the input row under filter row i
            const int row = ;
            // TODO(17): skip a row that is zero padding (outside the image)
            if () continue;
            // TODO(18): the loop over the filter columns, j
            for () {
                // TODO(19): the input column under filter column j
                const int col = ;
                // TODO(20): skip a column that is zero padding (outside the image)
                if () continue;

                // TODO(21): the offset of input element (b, ch, row, col) in the NCHW input
                const int in_off = ;
                // TODO(22): the offset of filter element (kk, ch, i, j) in the KCRS filter
                const int f_off = ;

                // TODO(23): this term's product, added to the accumulator
            }
        }
    }

    // TODO(24): the offset of output element (b, kk, p, q) in the NKPQ output
    const int out_off = ;
    // TODO(25): the store of the sum into output
}

// The launch geometry, evaluated at compile time for every test case (see tracks/README.md).
constexpr Launch launch(Problem p) {
    // TODO(26): the number of threads in one block
    constexpr unsigned threads = ;

    // TODO(27): the number of output elements of this case (p.n, p.c, p.h, ... are long long)
    const long long outputs = ;

    // TODO(28): the number of blocks needed so that every output element has a thread
    const unsigned blocks = ;

    // TODO(29): the grid and block sizes in the returned Launch
    return Launch{};
}
