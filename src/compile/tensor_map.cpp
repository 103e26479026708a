#include "compile/tensor_map.h"

#include <fmt/format.h>

namespace kc {

namespace compile {

std::string tensor_map_header(const std::vector<std::string>& tensor_names) {
    std::string names;
    for (size_t i = 0; i < tensor_names.size(); ++i)
        names += fmt::format("{}{} = {}", i ? ", " : "", tensor_names[i], i);
    return fmt::format(R"(// Tensor maps (TMA, sm_90+): define `constexpr TensorMaps tensor_maps(Problem p)` and the kernel
// receives, after its other parameters, `count` parameters `const __grid_constant__ TensorMap`,
// each encoded over its tensor as a 2D view (tracks/README.md, "Tensor maps").
struct TensorMapRequest {{
    int tensor = -1;                      // kc::tensor::<name>; -1: none (an all-zero map)
    unsigned rows = 0, cols = 0;          // the view: rows x cols elements, cols contiguous
    unsigned row_stride = 0;              // elements from one row to the next (0: cols)
    unsigned box_rows = 0, box_cols = 0;  // the tile one copy moves (at most 256 each)
    unsigned swizzle = 0;                 // shared-memory swizzle, bytes: 0, 32, 64 or 128
    unsigned reserved = 0;
}};
struct TensorMaps {{
    unsigned count = 0;       // the kernel's TensorMap parameters, the same in every case
    TensorMapRequest map[4];
}};
struct alignas(64) TensorMap {{ unsigned long long opaque[16]; }};  // a CUtensorMap
{}template <class P> constexpr TensorMaps tensor_maps(const P&) {{ return {{}}; }}  // none; yours wins
)",
                       names.empty() ? std::string() : fmt::format("namespace kc {{ namespace tensor {{ constexpr int {}; }} }}\n", names));
}

}  // namespace compile

namespace {

bool power_of_two_swizzle(uint32_t s) { return s == 0 || s == 32 || s == 64 || s == 128; }

// The rules of cuTensorMapEncodeTiled (interleave none) on the box and the swizzle.
std::string box_problem(const TensorMapRequest& r, const MappedTensor& t) {
    if (r.box_rows == 0 || r.box_cols == 0 || r.box_rows > 256 || r.box_cols > 256)
        return fmt::format("its box is {} x {} elements: each side must be 1 to 256", r.box_rows, r.box_cols);
    const uint64_t row_bytes = uint64_t(r.box_cols) * t.element_bytes;
    if (row_bytes % 16)
        return fmt::format("a box row is {} x {} bytes = {} bytes: the TMA moves rows of a multiple of 16 bytes",
                           r.box_cols, t.element_bytes, row_bytes);
    if (!power_of_two_swizzle(r.swizzle))
        return fmt::format("swizzle = {}: it must be 0 (none), 32, 64 or 128 bytes", r.swizzle);
    if (r.swizzle && row_bytes > r.swizzle)
        return fmt::format("a box row is {} bytes, wider than its {}-byte swizzle: make box_cols at most {}", row_bytes,
                           r.swizzle, r.swizzle / t.element_bytes);
    return {};
}

}  // namespace

std::string tensor_map_problem(const TensorMapRequest& r, const std::vector<MappedTensor>& tensors) {
    if (!r.used()) return {};
    if (static_cast<size_t>(r.tensor) >= tensors.size())
        return fmt::format("it maps tensor {}, and this exercise has {} (kc::tensor::<name> names them)", r.tensor,
                           tensors.size());
    const MappedTensor& t = tensors[static_cast<size_t>(r.tensor)];
    const std::string who = fmt::format("the map of `{}`", t.name);
    if (r.rows == 0 || r.cols == 0) return fmt::format("{} is {} x {}: a view needs rows and columns", who, r.rows, r.cols);
    if (r.stride() < r.cols)
        return fmt::format("{} has rows of {} elements {} apart: rows would overlap (row_stride >= cols)", who, r.cols,
                           r.stride());
    const uint64_t stride_bytes = r.stride() * t.element_bytes;
    if (r.rows > 1 && stride_bytes % 16)
        return fmt::format("{} has rows {} bytes apart: the TMA needs a multiple of 16 bytes (for {}-byte elements, "
                           "a row stride that is a multiple of {}); give this case no map (tensor = -1) and another "
                           "path",
                           who, stride_bytes, t.element_bytes, 16 / t.element_bytes);
    const uint64_t last = (uint64_t(r.rows) - 1) * r.stride() + r.cols;
    if (last > t.elements)
        return fmt::format("{} is {} rows of {} elements {} apart, {} elements, and `{}` has {}: the view must lie "
                           "inside the tensor",
                           who, r.rows, r.cols, r.stride(), last, t.name, t.elements);
    if (auto bad = box_problem(r, t); !bad.empty()) return fmt::format("{}: {}", who, bad);
    return {};
}

std::string tensor_maps_problem(const TensorMaps& m, const std::vector<MappedTensor>& tensors) {
    if (m.count > kMaxTensorMaps)
        return fmt::format("tensor_maps() gives count = {}: a kernel receives at most {} tensor maps", m.count,
                           kMaxTensorMaps);
    for (uint32_t i = 0; i < m.count; ++i)
        if (auto bad = tensor_map_problem(m.map[i], tensors); !bad.empty())
            return fmt::format("tensor_maps(), map[{}]: {}", i, bad);
    return {};
}

std::string tensor_map_count_problem(const std::vector<TensorMaps>& per_case, const std::vector<std::string>& case_names) {
    for (size_t i = 1; i < per_case.size(); ++i)
        if (per_case[i].count != per_case[0].count)
            return fmt::format("tensor_maps() gives {} maps for case '{}' and {} for case '{}': the kernel's parameters "
                               "are the same in every case, so the count must be too (in a case that cannot use a map, "
                               "give it tensor = -1: the kernel gets an all-zero map)",
                               per_case[0].count, i < case_names.size() ? case_names[0] : "0", per_case[i].count,
                               i < case_names.size() ? case_names[i] : std::to_string(i));
    return {};
}

}  // namespace kc
