#include "gpu/library.h"

#include <utility>

#include "gpu/check.h"

namespace kc::gpu {

Result<Library> Library::load(const std::string& image) {
    Library l;
    KC_CUDA(cudaLibraryLoadData(&l.lib_, image.data(), nullptr, nullptr, 0, nullptr, nullptr, 0));
    return l;
}

Library::Library(Library&& o) noexcept : lib_(std::exchange(o.lib_, nullptr)) {}

Library::~Library() {
    if (lib_) cudaLibraryUnload(lib_);
}

Result<cudaKernel_t> Library::kernel(const std::string& name) const {
    cudaKernel_t k = nullptr;
    cudaError_t e = cudaLibraryGetKernel(&k, lib_, name.c_str());
    if (e != cudaSuccess)
        return make_error(fmt::format("the compiled module has no kernel named `{}` ({})", name,
                                      cudaGetErrorString(e)));
    return k;
}

Result<KernelAttributes> attributes(cudaKernel_t k) {
    cudaFuncAttributes a{};
    KC_CUDA(cudaFuncGetAttributes(&a, reinterpret_cast<const void*>(k)));
    return KernelAttributes{a.numRegs, a.maxThreadsPerBlock, a.sharedSizeBytes, a.localSizeBytes};
}

Status allow_shared(cudaKernel_t k, size_t dynamic_bytes) {
    if (dynamic_bytes <= 48 * 1024) return Ok{};
    KC_CUDA(cudaFuncSetAttribute(reinterpret_cast<const void*>(k),
                                 cudaFuncAttributeMaxDynamicSharedMemorySize,
                                 static_cast<int>(dynamic_bytes)));
    return Ok{};
}

cudaError_t launch(cudaKernel_t k, const Launch& l, void** args, cudaStream_t stream) {
    dim3 grid(l.grid.x, l.grid.y, l.grid.z), block(l.block.x, l.block.y, l.block.z);
    cudaError_t e = cudaLaunchKernel(reinterpret_cast<const void*>(k), grid, block, args,
                                     l.shared_bytes, stream);
    if (e != cudaSuccess) return e;
    return cudaGetLastError();
}

}  // namespace kc::gpu
