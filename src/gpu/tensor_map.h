// Encoding a learner's tensor-map request over a device buffer (cuTensorMapEncodeTiled, reached
// through the runtime's driver entry point, so the program still links only the static runtime).
#pragma once

#include "compile/tensor_map.h"
#include "exercises/dtype.h"
#include "util/result.h"

namespace kc::gpu {

struct alignas(64) EncodedMap {
    unsigned char bytes[128] = {};  // a CUtensorMap; all zero for a request with tensor = -1
};

// The map of `r` over `base` (the tensor's first element, of type `type`): 2D, cols contiguous,
// out-of-bounds boxes zero-filled. The request must already satisfy compile/tensor_map.h's rules;
// an Error carries the driver's answer when it still refuses.
Result<EncodedMap> encode_tensor_map(const TensorMapRequest& r, void* base, exercises::DType type);

}  // namespace kc::gpu
