// The status of a module with parts, derived from its parts' (progress.json records each part
// under its own id, "mastery/01/glu"; the module itself has no entry).
#pragma once

#include <vector>

#include "progress/store.h"

namespace kc::progress {

// Passed when every part has passed; failed when any part was attempted and has not passed;
// not attempted otherwise (no part attempted, or some passed and the others not tried yet).
ModuleStatus module_status(const std::vector<ModuleStatus>& parts);

}  // namespace kc::progress
