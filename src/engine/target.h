// What a module is compiled for: the architecture (sm_XX, or sm_XXa when the module declares an
// arch-specific target) and the device constants kernelcoach.h shows as kc::device, or why it
// is not compiled at all (SKIPPED: a GPU older than the module's min_sm, another family than its
// sm_90a, one this NVRTC cannot build). Decided before compiling, by a pure function.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compile/arch.h"
#include "compile/device_constants.h"
#include "wire/protocol.h"

namespace kc::engine {

struct TargetQuery {
    int min_sm = 70;
    int module_arch = 0;                      // the manifest's "arch": sm_90a -> 90; 0: none
    bool arch_from_file = false;              // module_arch is the file's `// arch:` line
    std::optional<wire::Device> gpu;          // the probed GPU; nullopt: none
    std::optional<compile::Arch> requested;   // --arch (used only without a GPU)
    std::vector<int> buildable;               // the architectures NVRTC builds, oldest first
};

struct Target {
    compile::Arch arch;
    compile::DeviceConstants constants;
    std::string skip;  // not empty: nothing is compiled; the grade is SKIPPED with this sentence
};

Target choose_target(const TargetQuery& q);

// kc::device for a probed GPU: its own values; any the probe did not report (an older
// .kernelcoach/device.json) from the defaults of its architecture.
compile::DeviceConstants constants_of(const wire::Device& d);

}  // namespace kc::engine
