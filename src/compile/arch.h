// Compile targets by name: "sm_90" (a compute capability) and "sm_90a", the arch-specific
// target whose extra instructions (wgmma, setmaxnreg) exist only on GPUs of exactly that
// capability. kernelcoach always builds a cubin for one capability; `a` adds the features.
#pragma once

#include <string>

#include "util/result.h"

namespace kc::compile {

struct Arch {
    int sm = 0;             // 10 * major + minor: 90
    bool specific = false;  // the `a` target: sm_90a
};

// "sm_90a", "90a", "sm_90" or "90". `a` exists from sm_90 on (NVRTC refuses sm_80a).
Result<Arch> parse_arch(const std::string& text);

// "sm_90a", "sm_90".
std::string arch_name(const Arch& a);

// An arch-specific target a module may declare ("arch": "sm_90a"): the GPUs that run it and
// the features it is declared for.
struct SpecificTarget {
    int sm;
    const char* gpus;      // "H100/H200"
    const char* features;  // "wgmma and setmaxnreg"
};

// The entry for sm_90a or sm_100a; nullptr for a capability without one kernelcoach knows.
const SpecificTarget* specific_target(int sm);

// A kernel file's own arch-specific target: a line `// arch: sm_90a` (the manifest's "arch", for
// one file: a worked example or a solution that uses wgmma in a module that does not). 0 when
// the file has no such line; an Error for one that names no arch-specific target kernelcoach
// knows.
Result<int> file_arch(const std::string& text);

}  // namespace kc::compile
