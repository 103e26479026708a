// The tensor maps a compiled kernel asked for (tensor_maps(), one TensorMaps per case), checked
// before anything runs: a pure function of the exercise's tensors, the cases, the module's kernels
// and the architecture. A problem is the learner's, reported as WRONG for its case.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compile/tensor_map.h"
#include "course/manifest.h"
#include "exercises/exercise.h"

namespace kc::engine {

struct MapProblem {
    size_t case_index = 0;
    std::string message;
};

// The first problem: a count that changes between cases, maps in a module of several kernels,
// maps on a GPU without the TMA (before sm_90), or a request that cannot be encoded over its
// case's tensors (compile/tensor_map.h's rules).
std::optional<MapProblem> tensor_map_problems(const exercises::Exercise& ex, const std::vector<course::Case>& cases,
                                              const std::vector<TensorMaps>& maps, size_t kernels, int sm);

// The `count` requests the kernel receives, in order.
std::vector<TensorMapRequest> requested_maps(const TensorMaps& m);

}  // namespace kc::engine
