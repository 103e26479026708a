// layer-norm-gelu's vendor on a real GPU: the unfused pair (cuDNN's layer norm, then
// kernelcoach's own GELU pass, kc_gelu_tanh), made through the vendor registry as the worker
// makes it, on the exercise's own inputs (every row regime of layer-norm) against the
// exercise's truth and bound; and the GELU pass alone, on a y that is 16-byte aligned (float4)
// and on one that is not (one float at a time), against the tanh form's own fp32 error. Each
// test SKIPS (visibly) where no GPU is usable.
#include <gtest/gtest.h>

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <vector>

#include "exercises/registry.h"
#include "gpu/buffer.h"
#include "gpu/device.h"
#include "gpu/utility.h"
#include "grade/compare.h"
#include "reference/host/gemm_truth.h"
#include "support/cli.h"
#include "support/host_case.h"
#include "support/vendor_fixture.h"
#include "worker/vendor.h"

namespace kc::test {
namespace {

using exercises::Sizes;
using gpu::DeviceBuffer;

class LayerNormGeluVendor : public VendorTest {};

TEST_F(LayerNormGeluVendor, TheUnfusedPairMeetsTheExercisesBoundOnEveryCase) {
    const exercises::Exercise* ex = exercises::find_exercise("layer-norm-gelu");
    ASSERT_NE(ex, nullptr);
    auto vendor = this->vendor("layer-norm-gelu");
    ASSERT_NE(vendor, nullptr);
    const std::vector<Sizes> cases = {{{"rows", 1}, {"cols", 1}},   {{"rows", 1}, {"cols", 7}},
                                      {{"rows", 7}, {"cols", 130}}, {{"rows", 33}, {"cols", 1000}},
                                      {{"rows", 1001}, {"cols", 1003}}};
    for (size_t i = 0; i < cases.size(); ++i) {
        const Sizes& s = cases[i];
        const auto h = host_case(*ex, s, exercises::case_seed(1, i));
        std::vector<DeviceBuffer> t;
        for (size_t k = 0; k < 3; ++k)
            t.push_back(upload(h.specs[k].name.c_str(), h.bytes[k].data(), h.bytes[k].size()));
        const std::vector<float> nan(h.specs[3].elements, std::numeric_limits<float>::quiet_NaN());
        t.push_back(upload("y", nan.data(), nan.size() * sizeof(float)));
        const std::vector<void*> ptrs = {t[0].data(), t[1].data(), t[2].data(), t[3].data()};
        wire::CaseRequest c;
        c.sizes = s;
        auto st = vendor->run(ptrs, c);
        ASSERT_TRUE(st.ok()) << st.error().message << "\n" << st.error().detail;
        const auto y = download<float>(t[3], nan.size());
        const std::vector<long long> shape = {s.at("rows"), s.at("cols")};
        const auto cmp = grade::compare(y, h.truth[0], h.bound[0], shape);
        ASSERT_TRUE(cmp.ok()) << cmp.error().message;
        std::printf("[vendor] layer-norm-gelu %lld x %lld: max error/bound %.3g\n", shape[0], shape[1], cmp->headroom);
        EXPECT_TRUE(cmp->passed()) << cmp->mismatches << " elements out of the bound, headroom " << cmp->headroom;
    }
}

// The tanh form in fp32 with tanhf is within 5.8u |z| of gelu_tanh(z) (layer_norm_gelu.cpp
// derives it); the exercise allows 10u |z| for any form, twice over.
TEST_F(LayerNormGeluVendor, TheGeluPassIsWithinItsDerivedErrorAlignedOrNot) {
    constexpr double kU = 0x1p-24;
    for (size_t offset : {size_t{0}, size_t{4}}) {
        for (size_t n : {size_t{1}, size_t{1003}, size_t{1} << 20}) {
            std::vector<float> z(n);
            for (size_t i = 0; i < n; ++i) z[i] = -5.f + 10.f * static_cast<float>(i) / static_cast<float>(n);
            auto y = upload("y", z.data(), n * sizeof(float), offset);
            auto st = util_->gelu_tanh(y.as<float>(), n, stream_);
            ASSERT_TRUE(st.ok()) << st.error().message;
            const auto got = download<float>(y, n);
            double worst = 0;
            for (size_t i = 0; i < n; ++i) {
                const double err = std::fabs(got[i] - reference::gelu_tanh(z[i]));
                ASSERT_LE(err, 10 * kU * std::fabs(z[i])) << "offset " << offset << " n " << n << " z " << z[i];
                if (z[i] != 0) worst = std::max(worst, err / (kU * std::fabs(z[i])));
            }
            std::printf("[vendor] kc_gelu_tanh, offset %zu, n %zu: max error %.2f u |z| (derived: 5.8)\n", offset, n,
                        worst);
        }
    }
}

}  // namespace
}  // namespace kc::test
