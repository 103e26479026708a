#include "worker/vendor.h"

#include "exercises/layer_norm.h"
#include "gpu/check.h"
#include "reference/cublas.h"
#include "reference/cudnn.h"

namespace kc::worker {

namespace {

int as_int(const exercises::Sizes& s, const char* field) { return static_cast<int>(s.at(field)); }

Status cuda_status(cudaError_t e, const char* what) {
    if (e == cudaSuccess) return Ok{};
    return gpu::to_error(gpu::CudaFailure{e, what, "vendor.cpp"});
}

class CublasVendor final : public Vendor {
public:
    CublasVendor(reference::Cublas c, bool matmul) : cublas_(std::move(c)), matmul_(matmul) {}
    Status run(std::span<const float* const> in, float* out, const exercises::Sizes& s) override {
        if (matmul_)
            return cuda_status(cublas_.matmul(in[0], in[1], out, as_int(s, "m"), as_int(s, "n"), as_int(s, "k")),
                               "cublasSgemm");
        return cuda_status(cublas_.vector_add(in[0], in[1], out, as_int(s, "n")), "cublasSgeam");
    }

private:
    reference::Cublas cublas_;
    bool matmul_;
};

class CudnnVendor final : public Vendor {
public:
    CudnnVendor(reference::Cudnn c, std::string exercise) : cudnn_(std::move(c)), exercise_(std::move(exercise)) {}
    Status run(std::span<const float* const> in, float* out, const exercises::Sizes& s) override {
        if (exercise_ == "softmax") return cudnn_.softmax_rows(in[0], out, as_int(s, "rows"), as_int(s, "cols"));
        if (exercise_ == "layer-norm")
            return cudnn_.layer_norm(in[0], in[1], in[2], out, as_int(s, "rows"), as_int(s, "cols"),
                                     exercises::kLayerNormEps);
        reference::ConvShape shape{as_int(s, "n"), as_int(s, "c"), as_int(s, "h"), as_int(s, "w"), as_int(s, "k"),
                                   as_int(s, "r"), as_int(s, "s"), as_int(s, "pad"), as_int(s, "stride")};
        return cudnn_.conv2d(in[0], in[1], out, shape);
    }
    std::string detail() const override { return exercise_ == "conv2d" ? cudnn_.conv_algorithm() : std::string(); }

private:
    reference::Cudnn cudnn_;
    std::string exercise_;
};

}  // namespace

Result<std::unique_ptr<Vendor>> make_vendor(const std::string& exercise, cudaStream_t stream) {
    if (exercise == "vector-add" || exercise == "matrix-mul") {
        auto c = reference::Cublas::create(stream);
        if (!c) return c.error();
        return std::unique_ptr<Vendor>(std::make_unique<CublasVendor>(std::move(*c), exercise == "matrix-mul"));
    }
    if (exercise == "softmax" || exercise == "layer-norm" || exercise == "conv2d") {
        auto c = reference::Cudnn::create(stream);
        if (!c) return c.error();
        return std::unique_ptr<Vendor>(std::make_unique<CudnnVendor>(std::move(*c), exercise));
    }
    return make_error("no vendor reference for exercise " + exercise);
}

}  // namespace kc::worker
