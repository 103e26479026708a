// cuDNN, created once per worker: the vendor for softmax, layer norm and conv2d.
//
// Every op sets itself up on the first call for a shape (descriptors, execution plans,
// algorithm choice, workspace) and keeps that, keyed by the shape, so the calls of a timing
// loop only execute. Set-up may allocate and synchronise; execution is asynchronous on the
// stream given to create(). All math is fp32 without TF32.
#pragma once

#include <cuda_runtime_api.h>

#include <memory>
#include <string>

#include "util/result.h"

namespace kc::reference {

// NCHW input, KCRS filter, NKPQ output; cross-correlation, zero padding, dilation 1.
struct ConvShape {
    int n, c, h, w, k, r, s, pad, stride;
};

class Cudnn {
public:
    // A handle bound to `stream`; fails with cuDNN's own message when the library (or one of
    // its sub-libraries) cannot be loaded.
    static Result<Cudnn> create(cudaStream_t stream);
    Cudnn(Cudnn&& o) noexcept;
    Cudnn& operator=(Cudnn&& o) noexcept;
    Cudnn(const Cudnn&) = delete;
    Cudnn& operator=(const Cudnn&) = delete;
    ~Cudnn();  // frees plans, descriptors and workspaces, then the handle

    // y = softmax over each row of a row-major rows x cols matrix
    // (cudnnSoftmaxForward, ACCURATE, INSTANCE mode over N = rows, C = cols, H = W = 1).
    Status softmax_rows(const float* x, float* y, int rows, int cols);

    // y = (x - mean) / sqrt(var + eps) * gamma + beta over each row (graph API NORM_FORWARD,
    // CUDNN_LAYER_NORM, fp32). Pointers must be 16-byte aligned (cudaMalloc's are).
    Status layer_norm(const float* x, const float* gamma, const float* beta, float* y, int rows,
                      int cols, float eps);

    // Forward convolution, fp32 with FMA math only (never TF32); the fastest such algorithm
    // measured by cudnnFindConvolutionForwardAlgorithm on the first call for a shape.
    Status conv2d(const float* x, const float* filter, float* y, const ConvShape& s);

    // The algorithm the last conv2d used, e.g. "FFT_TILING"; "" before any conv2d.
    std::string conv_algorithm() const;
    // How the last layer_norm ran, e.g. "inference phase, heuristics A config 0, engine 3,
    // workspace 0 B"; "" before any layer_norm.
    std::string layer_norm_plan() const;

private:
    struct State;
    explicit Cudnn(std::unique_ptr<State> s);
    std::unique_ptr<State> s_;
};

// The cuDNN library's version at run time, e.g. "9.14.0".
std::string version_text();

}  // namespace kc::reference
