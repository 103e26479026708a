#include "reference/host/text.h"

#include <fmt/format.h>

namespace kc::reference {

std::string bytes_text(uint64_t b) {
    if (b < 1024) return fmt::format("{} B", b);
    if (b < 1024 * 1024) return fmt::format("{:.1f} KiB", static_cast<double>(b) / 1024.0);
    return fmt::format("{:.1f} MiB", static_cast<double>(b) / (1024.0 * 1024.0));
}

}  // namespace kc::reference
