#include "exercises/view.h"

#include <fmt/format.h>

#include <vector>

namespace kc::exercises {

std::string View::text() const {
    std::vector<std::string> parts;
    if (offset) parts.push_back(fmt::format("every pointer {} bytes past a 256-byte boundary", offset));
    if (nonfinite) parts.push_back("NaN and Inf among the inputs");
    if (bad_indices)
        parts.push_back(fmt::format("{} out-of-range ind{} (negative and past the end)", bad_indices,
                                    bad_indices == 1 ? "ex" : "ices"));
    return fmt::format("{}", fmt::join(parts, ", "));
}

}  // namespace kc::exercises
