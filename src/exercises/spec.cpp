#include "exercises/spec.h"

#include <algorithm>

#include <fmt/format.h>

#include "compile/tensor_map.h"
#include "exercises/registry.h"

namespace kc::exercises {

const Spec* find(const std::string& name) {
    const Exercise* ex = find_exercise(name);
    return ex ? &ex->spec() : nullptr;
}

std::vector<std::string> names() {
    std::vector<std::string> out;
    for (const Exercise* ex : all()) out.push_back(ex->spec().name);
    return out;
}

std::vector<Sizes> sweep_sizes(const Spec& spec, const Sizes& largest) {
    std::vector<Sizes> out{largest};
    if (spec.sweep_factor < 2) return out;  // a factor of 1 would only repeat `largest`
    Sizes s = largest;
    for (int step = 0; step < spec.sweep_steps; ++step) {
        for (const auto& field : spec.sweep_fields) {
            auto it = s.find(field);
            // A size already below 1 (a 0 padding) is left as it is, never raised to 1.
            if (it != s.end() && it->second >= 1) it->second = std::max(1LL, it->second / spec.sweep_factor);
        }
        if (s == out.back()) break;  // every field is at 1: the rest would repeat it
        out.push_back(s);
    }
    return {out.rbegin(), out.rend()};
}

namespace {

// The names of the exercise's tensors, in order (at its example sizes: the names do not change).
std::vector<std::string> tensor_names(const Exercise* ex) {
    std::vector<std::string> out;
    if (ex && !ex->spec().example.empty())
        for (const auto& t : ex->tensors(ex->spec().example)) out.push_back(t.name);
    return out;
}

std::string prelude_of(const Spec& spec, const std::vector<std::string>& names, const compile::DeviceConstants& device) {
    std::string fields;
    for (const auto& f : spec.fields) fields += fmt::format(" long long {};", f);
    return fmt::format(R"(// kernelcoach.h: made by kernelcoach for the exercise "{0}"; not a file on disk.
#pragma once
struct Dim {{ unsigned x = 1, y = 1, z = 1; }};
struct Launch {{
    Dim grid;                   // blocks in x, y, z
    Dim block;                  // threads per block in x, y, z
    unsigned shared_bytes = 0;  // dynamic shared memory per block, bytes
    Dim cluster;                // blocks per thread-block cluster (sm_90+); 1 x 1 x 1: none
}};
struct Problem {{{1} }};
{2}{3})",
                       spec.name, fields, compile::device_header(device),
                       compile::tensor_map_header(names));
}

}  // namespace

std::string prelude(const Spec& spec, const compile::DeviceConstants& device) {
    return prelude_of(spec, tensor_names(find_exercise(spec.name)), device);
}

std::string prelude(const Exercise& ex, const compile::DeviceConstants& device) {
    return prelude_of(ex.spec(), tensor_names(&ex), device);
}

uint64_t case_seed(uint64_t run_seed, size_t case_index) {
    Rng r(run_seed ^ (0xa0761d6478bd642full * (case_index + 1)));
    return r.next();
}

}  // namespace kc::exercises
