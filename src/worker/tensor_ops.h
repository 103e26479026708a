// Device-side operations on a tensor of any element type, built on the utility kernels (which
// work in 32-bit words): the last 1 to 3 bytes of a tensor whose size is not a whole number of
// words are handled here, so that no operation touches a byte past a tensor's end (its guard).
#pragma once

#include <cuda_runtime_api.h>

#include "exercises/dtype.h"
#include "gpu/utility.h"
#include "util/result.h"

namespace kc::worker {

// Every element of [p, p + bytes) becomes the type's sentinel. Waits.
Status fill_sentinel(const gpu::Utility& u, void* p, size_t bytes, exercises::DType t, cudaStream_t s);
// Every element becomes a finite value of the type that depends on its index and `seed`. Waits.
Status fill_garbage(const gpu::Utility& u, void* p, size_t bytes, exercises::DType t, uint32_t seed, cudaStream_t s);
// How many 32-bit words (and tail bytes) of a and b differ. Waits.
Result<uint64_t> count_differences(const gpu::Utility& u, const void* a, const void* b, size_t bytes, cudaStream_t s);
// Copies `bytes` device to device on `s`. Does not wait.
Status copy(void* dst, const void* src, size_t bytes, cudaStream_t s);

}  // namespace kc::worker
