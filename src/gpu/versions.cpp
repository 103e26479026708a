#include "gpu/versions.h"

#include <cublas_v2.h>
#include <cudnn.h>
#include <fmt/format.h>


#include "compile/toolkit.h"

namespace kc::gpu {

Toolchain toolchain() {
    Toolchain t;
    int major = 0, minor = 0, patch = 0;
    if (cublasGetProperty(MAJOR_VERSION, &major) == CUBLAS_STATUS_SUCCESS &&
        cublasGetProperty(MINOR_VERSION, &minor) == CUBLAS_STATUS_SUCCESS &&
        cublasGetProperty(PATCH_LEVEL, &patch) == CUBLAS_STATUS_SUCCESS)
        t.cublas = fmt::format("{}.{}.{}", major, minor, patch);
    size_t v = cudnnGetVersion();  // major * 10000 + minor * 100 + patch since cuDNN 9
    t.cudnn = fmt::format("{}.{}.{}", v / 10000, (v % 10000) / 100, v % 100);
    t.compute_sanitizer = compile::find_tool("compute-sanitizer");
    t.ncu = compile::find_tool("ncu");
    return t;
}

}  // namespace kc::gpu
