#include "engine/tensor_maps.h"

#include <algorithm>

#include <fmt/format.h>

namespace kc::engine {

namespace {

std::vector<MappedTensor> mapped_tensors(const exercises::Exercise& ex, const exercises::Sizes& s) {
    std::vector<MappedTensor> out;
    for (const auto& t : ex.tensors(s))
        out.push_back({t.name, t.elements, static_cast<uint32_t>(exercises::size_of(t.type))});
    return out;
}

}  // namespace

std::optional<MapProblem> tensor_map_problems(const exercises::Exercise& ex, const std::vector<course::Case>& cases,
                                              const std::vector<TensorMaps>& maps, size_t kernels, int sm) {
    if (maps.empty() || maps.size() != cases.size()) return std::nullopt;
    std::vector<std::string> names;
    for (const auto& c : cases) names.push_back(c.name);
    if (auto bad = tensor_map_count_problem(maps, names); !bad.empty()) return MapProblem{0, bad};
    if (maps.front().count == 0) return std::nullopt;
    if (kernels > 1)
        return MapProblem{0, "tensor_maps() is for a module of one kernel: this one launches several, and each would "
                             "need its own maps"};
    if (sm < 90)
        return MapProblem{0, fmt::format("tensor_maps() asks for tensor maps, which the TMA of compute capability 9.0 "
                                         "and newer reads; this kernel is compiled for sm_{}",
                                         sm)};
    for (size_t i = 0; i < cases.size(); ++i)
        if (auto bad = tensor_maps_problem(maps[i], mapped_tensors(ex, cases[i].sizes)); !bad.empty())
            return MapProblem{i, bad};
    return std::nullopt;
}

std::vector<TensorMapRequest> requested_maps(const TensorMaps& m) {
    const size_t n = std::min<size_t>(m.count, kMaxTensorMaps);
    return {m.map, m.map + n};
}

}  // namespace kc::engine
