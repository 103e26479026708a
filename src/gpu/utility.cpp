#include "gpu/utility.h"

#include "compile/compiler.h"
#include "compile/utility_kernels.h"
#include "gpu/check.h"

namespace kc::gpu {

namespace {


Launch grid_for(size_t n) {
    Launch l;
    l.block.x = 256;
    size_t blocks = (n + 255) / 256;
    l.grid.x = static_cast<uint32_t>(std::max<size_t>(1, std::min<size_t>(blocks, 132 * 32)));
    return l;
}

Status run(cudaKernel_t k, size_t n, void** args, cudaStream_t s, const char* what) {
    cudaError_t e = launch(k, grid_for(n), args, s);
    if (e == cudaSuccess) e = cudaStreamSynchronize(s);
    if (e != cudaSuccess) return to_error(CudaFailure{e, what, "utility.cpp"});
    return Ok{};
}

}  // namespace

Result<Utility> Utility::load(int sm, const std::filesystem::path& cache_dir) {
    auto cubin = compile::compile_internal(compile::utility_kernels_source(), "kernelcoach-utility.cu", sm,
                                             cache_dir);
    if (!cubin) return cubin.error();
    auto lib = Library::load(*cubin);
    if (!lib) return lib.error();
    void* counter = nullptr;
    KC_CUDA(cudaMalloc(&counter, sizeof(unsigned long long)));
    Utility u(std::move(*lib), counter);
    for (auto [name, slot] : {std::pair{"kc_fill_u32", &u.fill_}, {"kc_fill_garbage", &u.garbage_},
                              {"kc_count_diff", &u.diff_}, {"kc_scale", &u.scale_},
                              {"kc_reverse_rows", &u.reverse_}, {"kc_read_all", &u.read_},
                              {"kc_fill_pattern16", &u.pattern16_}, {"kc_gelu_tanh", &u.gelu_},
                              {"kc_bias_gelu_bf16", &u.bias_gelu_}}) {
        auto k = u.lib_.kernel(name);
        if (!k) return k.error();
        *slot = *k;
    }
    return u;
}

Status Utility::fill_u32(void* p, size_t bytes, uint32_t value, cudaStream_t s) const {
    unsigned long long words = bytes / 4;
    void* args[] = {&p, &words, &value};
    return run(fill_, words, args, s, "kc_fill_u32");
}

Status Utility::fill_garbage(void* p, size_t bytes, uint32_t seed, cudaStream_t s) const {
    unsigned long long words = bytes / 4;
    void* args[] = {&p, &words, &seed};
    return run(garbage_, words, args, s, "kc_fill_garbage");
}

Result<uint64_t> Utility::count_differences(const void* a, const void* b, size_t bytes, cudaStream_t s) const {
    KC_CUDA(cudaMemsetAsync(counter_.get(), 0, sizeof(unsigned long long), s));
    unsigned long long words = bytes / 4;
    void* counter = counter_.get();
    void* args[] = {&a, &b, &words, &counter};
    if (auto st = run(diff_, words, args, s, "kc_count_diff"); !st) return st.error();
    unsigned long long count = 0;
    KC_CUDA(cudaMemcpy(&count, counter_.get(), sizeof count, cudaMemcpyDeviceToHost));
    return static_cast<uint64_t>(count);
}

Status Utility::scale(const float* src, float* dst, size_t n, float factor, cudaStream_t s) const {
    unsigned long long count = n;
    void* args[] = {&src, &dst, &count, &factor};
    return run(scale_, n, args, s, "kc_scale");
}

Status Utility::reverse_rows(const float* src, float* dst, size_t rows, size_t cols, cudaStream_t s) const {
    unsigned long long r = rows, c = cols;
    void* args[] = {&src, &dst, &r, &c};
    return run(reverse_, rows * cols, args, s, "kc_reverse_rows");
}

cudaError_t Utility::read_all(const void* p, size_t bytes, cudaStream_t s) const {
    unsigned long long n = bytes / 16;
    void* sink = counter_.get();
    void* args[] = {&p, &n, &sink};
    return launch(read_, grid_for(n), args, s);
}

Status Utility::gelu_tanh(float* y, size_t n, cudaStream_t s) const {
    unsigned long long count = n;
    void* args[] = {&y, &count};
    // One thread per float4: the kernel takes four at a time when y is aligned.
    if (cudaError_t e = launch(gelu_, grid_for((n + 3) / 4), args, s); e != cudaSuccess)
        return to_error(CudaFailure{e, "kc_gelu_tanh", "utility.cpp"});
    return Ok{};
}

Status Utility::bias_gelu_bf16(void* d, const void* bias, size_t rows, size_t cols, cudaStream_t s) const {
    unsigned long long r = rows, c = cols;
    void* args[] = {&d, &bias, &r, &c};
    // One thread per 8 values: the kernel takes eight at a time when it can.
    if (cudaError_t e = launch(bias_gelu_, grid_for((rows * cols + 7) / 8), args, s); e != cudaSuccess)
        return to_error(CudaFailure{e, "kc_bias_gelu_bf16", "utility.cpp"});
    return Ok{};
}

Status Utility::fill_pattern16(void* p, size_t count, uint32_t seed, uint16_t base, uint16_t mask,
                               cudaStream_t s) const {
    unsigned long long n = count;
    unsigned b = base, m = mask;
    void* args[] = {&p, &n, &seed, &b, &m};
    return run(pattern16_, n, args, s, "kc_fill_pattern16");
}

}  // namespace kc::gpu
