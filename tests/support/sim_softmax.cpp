#include "support/sim_softmax.h"

#include "grade/compare.h"

namespace kc::test::explain {

std::vector<float> early_return_threads(const TensorCase& r) {
    std::vector<float> got(r.truth.size(), grade::sentinel());
    got[0] = 1.f;  // thread 0 (row 0) passes threadIdx.x < cols = 1
    return got;
}

}  // namespace kc::test::explain
