#include "gpu/tensor_map.h"

#include <cuda.h>
#include <cudaTypedefs.h>
#include <cuda_runtime_api.h>
#include <fmt/format.h>

#include <cstring>
#include <mutex>

namespace kc::gpu {

namespace {

Result<PFN_cuTensorMapEncodeTiled_v12000> encoder() {
    static std::once_flag once;
    static void* fn = nullptr;
    static std::string why;
    std::call_once(once, [] {
        cudaDriverEntryPointQueryResult q{};
        cudaError_t e = cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &fn, 12000, cudaEnableDefault, &q);
        if (e != cudaSuccess || q != cudaDriverEntryPointSuccess || !fn) {
            fn = nullptr;
            why = fmt::format("the driver has no cuTensorMapEncodeTiled (CUDA 12.0+): {}", cudaGetErrorString(e));
        }
    });
    if (!fn) return make_error(why);
    return reinterpret_cast<PFN_cuTensorMapEncodeTiled_v12000>(fn);
}

Result<CUtensorMapDataType> data_type(exercises::DType t) {
    switch (t) {
        case exercises::DType::F32: return CU_TENSOR_MAP_DATA_TYPE_FLOAT32;
        case exercises::DType::F16: return CU_TENSOR_MAP_DATA_TYPE_FLOAT16;
        case exercises::DType::BF16: return CU_TENSOR_MAP_DATA_TYPE_BFLOAT16;
        case exercises::DType::I32: return CU_TENSOR_MAP_DATA_TYPE_INT32;
        case exercises::DType::U8: return CU_TENSOR_MAP_DATA_TYPE_UINT8;
    }
    return make_error("a tensor type the TMA does not map");
}

CUtensorMapSwizzle swizzle_of(uint32_t bytes) {
    return bytes == 128  ? CU_TENSOR_MAP_SWIZZLE_128B
           : bytes == 64 ? CU_TENSOR_MAP_SWIZZLE_64B
           : bytes == 32 ? CU_TENSOR_MAP_SWIZZLE_32B
                         : CU_TENSOR_MAP_SWIZZLE_NONE;
}

}  // namespace

Result<EncodedMap> encode_tensor_map(const TensorMapRequest& r, void* base, exercises::DType type) {
    EncodedMap out;
    if (!r.used()) return out;
    auto encode = encoder();
    if (!encode) return encode.error();
    auto dt = data_type(type);
    if (!dt) return dt.error();
    const uint64_t eb = exercises::size_of(type);
    // One row has no second row to step to: any 16-byte multiple will do for its stride.
    uint64_t stride = r.stride() * eb;
    if (r.rows == 1) stride = (stride + 15) / 16 * 16;
    const cuuint64_t dims[2] = {r.cols, r.rows};
    const cuuint64_t strides[1] = {stride};
    const cuuint32_t box[2] = {r.box_cols, r.box_rows};
    const cuuint32_t element_strides[2] = {1, 1};
    CUtensorMap map;
    CUresult e = (*encode)(&map, *dt, 2, base, dims, strides, box, element_strides, CU_TENSOR_MAP_INTERLEAVE_NONE,
                           swizzle_of(r.swizzle), CU_TENSOR_MAP_L2_PROMOTION_L2_128B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
    if (e != CUDA_SUCCESS)
        return make_error(fmt::format("cuTensorMapEncodeTiled refused the map of tensor {} ({} x {}, row stride {} "
                                      "bytes, box {} x {}, swizzle {}): CUresult {}",
                                      r.tensor, r.rows, r.cols, stride, r.box_rows, r.box_cols, r.swizzle,
                                      static_cast<int>(e)));
    static_assert(sizeof(CUtensorMap) == sizeof(out.bytes));
    std::memcpy(out.bytes, &map, sizeof(map));
    return out;
}

}  // namespace kc::gpu
