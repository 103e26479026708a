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

std::pair<void*, size_t> Library::global(const std::string& name) const {
    void* p = nullptr;
    size_t bytes = 0;
    if (cudaLibraryGetGlobal(&p, &bytes, lib_, name.c_str()) != cudaSuccess) {
        cudaGetLastError();  // not sticky: clear it
        return {nullptr, 0};
    }
    return {p, bytes};
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

Status prepare(cudaKernel_t k, const Launch& l) {
    if (auto s = allow_shared(k, l.shared_bytes); !s) return s;
    if (l.cluster.volume() <= kPortableClusterBlocks) return Ok{};
    KC_CUDA(cudaFuncSetAttribute(reinterpret_cast<const void*>(k), cudaFuncAttributeNonPortableClusterSizeAllowed, 1));
    return Ok{};
}

namespace {

cudaError_t launch_clustered(cudaKernel_t k, const Launch& l, void** args, cudaStream_t stream) {
    cudaLaunchConfig_t config{};
    config.gridDim = dim3(l.grid.x, l.grid.y, l.grid.z);
    config.blockDim = dim3(l.block.x, l.block.y, l.block.z);
    config.dynamicSmemBytes = l.shared_bytes;
    config.stream = stream;
    cudaLaunchAttribute cluster[1]{};
    cluster[0].id = cudaLaunchAttributeClusterDimension;
    cluster[0].val.clusterDim.x = l.cluster.x;
    cluster[0].val.clusterDim.y = l.cluster.y;
    cluster[0].val.clusterDim.z = l.cluster.z;
    config.attrs = cluster;
    config.numAttrs = 1;
    return cudaLaunchKernelExC(&config, reinterpret_cast<const void*>(k), args);
}

}  // namespace

cudaError_t launch(cudaKernel_t k, const Launch& l, void** args, cudaStream_t stream) {
    cudaError_t e = cudaSuccess;
    if (l.clustered()) {
        e = launch_clustered(k, l, args, stream);
    } else {
        dim3 grid(l.grid.x, l.grid.y, l.grid.z), block(l.block.x, l.block.y, l.block.z);
        e = cudaLaunchKernel(reinterpret_cast<const void*>(k), grid, block, args, l.shared_bytes, stream);
    }
    if (e != cudaSuccess) return e;
    return cudaGetLastError();
}

}  // namespace kc::gpu
