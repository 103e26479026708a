// A compiled cubin loaded into the context, and launches of its kernels (runtime API only,
// so the program links the CUDA runtime statically and starts without a driver).
#pragma once

#include <cuda_runtime_api.h>

#include <string>
#include <utility>

#include "compile/launch.h"
#include "util/result.h"

namespace kc::gpu {

struct KernelAttributes {
    int registers = 0;
    int max_threads = 0;        // per block, after register pressure
    size_t static_shared = 0;   // bytes
    size_t local_bytes = 0;     // per thread (spills and local arrays)
};

class Library {
public:
    static Result<Library> load(const std::string& image);
    Library(Library&& o) noexcept;
    Library& operator=(Library&&) = delete;
    Library(const Library&) = delete;
    ~Library();

    // The kernel's handle, or an error saying no such extern "C" kernel exists.
    Result<cudaKernel_t> kernel(const std::string& name) const;
    // A device variable of the module: its address and size; nullptr and 0 when the module has
    // none of that name.
    std::pair<void*, size_t> global(const std::string& name) const;

private:
    Library() = default;
    cudaLibrary_t lib_ = nullptr;
};

Result<KernelAttributes> attributes(cudaKernel_t k);

// Lets a kernel use more than 48 KiB of dynamic shared memory when the launch asks for it.
Status allow_shared(cudaKernel_t k, size_t dynamic_bytes);

// Readies `k` for launches of geometry `l`: allow_shared, and clusters of more than 8 blocks
// (the non-portable sizes some GPUs allow, up to 16 on the H100).
Status prepare(cudaKernel_t k, const Launch& l);

// Launches without waiting: cudaLaunchKernel, or cudaLaunchKernelEx with the cluster dimension
// when `l` asks for thread-block clusters. A bad launch (resources, geometry) shows in the
// return code.
cudaError_t launch(cudaKernel_t k, const Launch& l, void** args, cudaStream_t stream);

}  // namespace kc::gpu
