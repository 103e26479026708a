// Tensor maps (TMA, sm_90 and newer) as a learner's kernel asks for them: its constexpr
// `tensor_maps(Problem p)` returns, per case, which tensors to map as 2D views and the box one
// copy moves; kernelcoach encodes each map (cuTensorMapEncodeTiled) over the case's buffer and
// passes it after the exercise's parameters as a `const __grid_constant__ TensorMap`. This file
// holds the host mirror of kernelcoach.h's structs, the text kernelcoach.h declares them with,
// the reader of their values from PTX, and the rules a request must keep (a pure function).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kc {

// The same layout as kernelcoach.h's TensorMapRequest (8 x 4 bytes).
struct TensorMapRequest {
    int32_t tensor = -1;      // the tensor, counting the exercise's tensors from 0; -1: none
    uint32_t rows = 0, cols = 0;
    uint32_t row_stride = 0;  // elements between rows; 0: cols
    uint32_t box_rows = 0, box_cols = 0;
    uint32_t swizzle = 0;     // bytes: 0, 32, 64 or 128
    uint32_t reserved = 0;
    bool used() const { return tensor >= 0; }
    uint64_t stride() const { return row_stride ? row_stride : cols; }
};
inline constexpr size_t kMaxTensorMaps = 4;
struct TensorMaps {
    uint32_t count = 0;  // the kernel's TensorMap parameters: the same in every case
    TensorMapRequest map[kMaxTensorMaps];
};
static_assert(sizeof(TensorMapRequest) == 32 && sizeof(TensorMaps) == 132, "kernelcoach.h's layout");

namespace compile {

// kernelcoach.h's declarations: TensorMapRequest, TensorMaps, TensorMap (a CUtensorMap's 128
// bytes), kc::tensor::<name> = the index of each tensor, and the default tensor_maps() (none)
// that a learner's own `constexpr TensorMaps tensor_maps(Problem p)` overrides.
std::string tensor_map_header(const std::vector<std::string>& tensor_names);
}  // namespace compile

// A tensor as a map sees it.
struct MappedTensor {
    std::string name;
    uint64_t elements = 0;
    uint32_t element_bytes = 4;
};

// Why `r` cannot be encoded over `tensors`, in words for the learner ("" when it can): the index,
// the view inside the buffer, 16-byte strides, boxes of 1..256 with 16-byte rows, the swizzle.
std::string tensor_map_problem(const TensorMapRequest& r, const std::vector<MappedTensor>& tensors);

// The first problem of a case's maps: more than kMaxTensorMaps, or one request's.
std::string tensor_maps_problem(const TensorMaps& m, const std::vector<MappedTensor>& tensors);

// Every case must give the kernel the same number of maps (its parameter list is fixed): the
// sentence naming the first case that differs from the first, or "".
std::string tensor_map_count_problem(const std::vector<TensorMaps>& per_case, const std::vector<std::string>& case_names);

}  // namespace kc
