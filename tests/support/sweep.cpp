#include "support/sweep.h"

#include <stdexcept>

namespace kc::test {

using exercises::Sizes;
using exercises::Spec;

const Spec& spec_of(const std::string& name) {
    const Spec* spec = kc::exercises::find(name);
    if (!spec) throw std::runtime_error("no exercise " + name);
    return *spec;
}

std::vector<long long> field(const std::vector<Sizes>& sweep, const std::string& name) {
    std::vector<long long> out;
    for (const auto& s : sweep) out.push_back(s.at(name));
    return out;
}

}  // namespace kc::test
