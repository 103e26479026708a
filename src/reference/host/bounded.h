// A float64 truth with the bound of each element's error: a vendor's output is right where
// |output - value| <= bound, element by element.
#pragma once

#include <vector>

namespace kc::reference {

struct Bounded {
    std::vector<double> value, bound;
};

}  // namespace kc::reference
