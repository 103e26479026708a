#include "progress/status.h"

#include <algorithm>

namespace kc::progress {

ModuleStatus module_status(const std::vector<ModuleStatus>& parts) {
    if (parts.empty()) return ModuleStatus::not_attempted;
    if (std::all_of(parts.begin(), parts.end(), [](ModuleStatus s) { return s == ModuleStatus::passed; }))
        return ModuleStatus::passed;
    // A part is failed only once attempted and not passed (ModuleStatus::failed says exactly that).
    if (std::any_of(parts.begin(), parts.end(), [](ModuleStatus s) { return s == ModuleStatus::failed; }))
        return ModuleStatus::failed;
    return ModuleStatus::not_attempted;
}

}  // namespace kc::progress
