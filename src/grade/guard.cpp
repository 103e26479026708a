#include "grade/guard.h"

#include <fmt/format.h>

namespace kc::grade {

std::string describe(const GuardWrite& g) {
    const size_t eb = g.element_bytes ? g.element_bytes : 1;
    const size_t first = g.first_offset / eb, last = g.last_offset / eb;
    std::string which = first == last ? fmt::format("element {}", g.before ? "-" + std::to_string(first + 1)
                                                                           : std::to_string(g.elements + first))
                        : g.before ? fmt::format("elements -{} to -{}", last + 1, first + 1)
                                   : fmt::format("elements {} to {}", g.elements + first, g.elements + last);
    if (g.before)
        return fmt::format("the kernel wrote before the start of `{}`: {} (up to {} bytes below element 0); "
                           "is an index negative?",
                           g.buffer, which, g.last_offset + 1);
    return fmt::format("the kernel wrote past the end of `{}`: {} of a buffer of {} (up to {} bytes past its end); "
                       "is a bounds check missing?",
                       g.buffer, which, g.elements, g.last_offset + 1);
}

}  // namespace kc::grade
