// Exercises: one per kind of problem. A module's manifest names its exercise; the exercise's
// Spec says which sizes a case has, how many bytes and flops a size costs and what it is timed
// against; its host side is an Exercise (exercise.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "compile/device_constants.h"

namespace kc::exercises {

using Sizes = std::map<std::string, long long>;

// The arithmetic an exercise's flops are done in: fp32 on the CUDA cores, or bf16 products
// accumulated in fp32 on the tensor cores. It picks the compute speed of light (the vendor GEMM
// of that kind) and the peak of the physical floor of a time.
enum class Math : uint8_t { kFp32, kBf16 };

struct Spec {
    std::string name;                 // "vector-add"
    std::vector<std::string> fields;  // the sizes of a case, in Problem order: {"n"}
    std::vector<std::string> zero_ok; // the sizes that may be 0 (a padding); the others are >= 1
    // The library reference it is checked and timed against, in words ("cuBLAS cublasSgeam");
    // "" when it has none: then the module's reference solution stands in for it.
    std::string vendor;
    // Functions, not pointers: a custom exercise's come from its manifest (exercises/custom.h).
    std::function<double(const Sizes&)> bytes;  // minimum DRAM traffic of one launch
    std::function<double(const Sizes&)> flops;  // arithmetic of one launch
    Sizes example;                          // a small case every exercise's tests run (tests/test_exercise_model.cpp)
    std::vector<std::string> sweep_fields;  // the sizes bench --sizes scales down
    int sweep_factor = 2;                   // each step divides them by this
    int sweep_steps = 0;                    // how many smaller sizes
    Math math = Math::kFp32;
    // The exercise-specific input views its cases may declare (view.h: kViewNonfinite,
    // kViewBadIndices); every exercise takes "offset".
    std::vector<std::string> views;
    // Whether a case may have nothing to write (n = 0): written tensors of 0 elements. Others
    // refuse a written dimension of 0 (conv2d: a filter that does not fit).
    bool empty_ok = false;
    // The most elements one tensor may have: INT_MAX by default, so a kernel's flat int index
    // never overflows; an exercise that teaches 64-bit indexing allows more.
    unsigned long long max_elements = 2147483647ull;
};

const Spec* find(const std::string& name);
std::vector<std::string> names();

// The sizes `bench --sizes` times, smallest first and ending with `largest` itself: each step
// divides every sweep field by the factor (integer division, never below 1; other fields stay),
// duplicates dropped.
std::vector<Sizes> sweep_sizes(const Spec& spec, const Sizes& largest);

// The text of kernelcoach.h for this exercise: Dim, Launch, the Problem struct, and kc::device
// with the values of the GPU the file is compiled for (so they are in the compile cache's key).
// The Spec form finds the exercise's tensor names by its name (a registered exercise).
std::string prelude(const Spec& spec, const compile::DeviceConstants& device);
class Exercise;
std::string prelude(const Exercise& ex, const compile::DeviceConstants& device);

// A small, fast, portable generator (splitmix64): the same seed gives the same inputs with
// every compiler and standard library.
class Rng {
public:
    explicit Rng(uint64_t seed) : s_(seed) {}
    uint64_t next() {
        uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    // Uniform in [lo, hi), 24 random bits: every value is exactly representable in fp32.
    float uniform(float lo, float hi) {
        return lo + (hi - lo) * static_cast<float>(next() >> 40) * (1.0f / 16777216.0f);
    }

private:
    uint64_t s_;
};

// The seed of one case's inputs, from the run's seed and the case's position.
uint64_t case_seed(uint64_t run_seed, size_t case_index);

}  // namespace kc::exercises
