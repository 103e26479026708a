#include "worker/tensor_ops.h"

#include <cstring>

#include "gpu/check.h"

namespace kc::worker {

namespace {

size_t body_of(size_t bytes) { return bytes / 4 * 4; }

// The tail bytes [body, bytes) from the pattern `word`, repeated.
Status fill_tail(void* p, size_t bytes, uint32_t word, cudaStream_t s) {
    const size_t body = body_of(bytes);
    if (bytes == body) return Ok{};
    KC_CUDA(cudaMemcpyAsync(static_cast<char*>(p) + body, &word, bytes - body, cudaMemcpyHostToDevice, s));
    KC_CUDA(cudaStreamSynchronize(s));
    return Ok{};
}

}  // namespace

Status fill_sentinel(const gpu::Utility& u, void* p, size_t bytes, exercises::DType t, cudaStream_t s) {
    const uint32_t word = exercises::sentinel_word(t);
    if (const size_t body = body_of(bytes))
        if (auto st = u.fill_u32(p, body, word, s); !st) return st;
    return fill_tail(p, bytes, word, s);
}

Status fill_garbage(const gpu::Utility& u, void* p, size_t bytes, exercises::DType t, uint32_t seed, cudaStream_t s) {
    using exercises::DType;
    if (t == DType::F16 || t == DType::BF16)  // +-[1, 2) in the type itself
        return u.fill_pattern16(p, bytes / 2, seed, t == DType::F16 ? 0x3c00 : 0x3f80, t == DType::F16 ? 0x3ff : 0x7f,
                                s);
    // fp32's +-[1, 2); for int32 and uint8 any bits are a value.
    if (const size_t body = body_of(bytes))
        if (auto st = u.fill_garbage(p, body, seed, s); !st) return st;
    return fill_tail(p, bytes, 0x3fa5a5a5u ^ seed, s);
}

Result<uint64_t> count_differences(const gpu::Utility& u, const void* a, const void* b, size_t bytes, cudaStream_t s) {
    uint64_t n = 0;
    if (const size_t body = body_of(bytes)) {
        auto d = u.count_differences(a, b, body, s);
        if (!d) return d.error();
        n = *d;
    }
    const size_t body = body_of(bytes);
    if (bytes > body) {
        unsigned char ta[4] = {}, tb[4] = {};
        KC_CUDA(cudaMemcpyAsync(ta, static_cast<const char*>(a) + body, bytes - body, cudaMemcpyDeviceToHost, s));
        KC_CUDA(cudaMemcpyAsync(tb, static_cast<const char*>(b) + body, bytes - body, cudaMemcpyDeviceToHost, s));
        KC_CUDA(cudaStreamSynchronize(s));
        n += std::memcmp(ta, tb, bytes - body) != 0;
    }
    return n;
}

Status copy(void* dst, const void* src, size_t bytes, cudaStream_t s) {
    if (bytes) KC_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, s));
    return Ok{};
}

}  // namespace kc::worker
