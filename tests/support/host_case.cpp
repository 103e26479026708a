#include "support/host_case.h"

#include <cmath>

namespace kc::test {

HostCase host_case(const exercises::Exercise& ex, const exercises::Sizes& s, uint64_t seed,
                   const exercises::View& view) {
    HostCase h;
    h.specs = ex.tensors(s);
    h.bytes.resize(h.specs.size());
    for (size_t i = 0; i < h.specs.size(); ++i) {
        h.bytes[i].resize(h.specs[i].bytes());
        if (h.specs[i].seeded()) h.seeded.push_back({&h.specs[i], h.bytes[i]});
        if (h.specs[i].written()) {
            h.truth.emplace_back(h.specs[i].elements, std::nan(""));
            h.bound.emplace_back(h.specs[i].elements, std::nan(""));
        }
    }
    for (size_t k = 0; k < h.truth.size(); ++k) h.expected.push_back({h.truth[k], h.bound[k]});
    exercises::make_case_inputs(ex, seed, s, view, h.seeded);
    ex.truth(s, h.seeded, h.expected);
    return h;
}

}  // namespace kc::test
