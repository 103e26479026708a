// layer-norm-linear's vendor on a real GPU: the unfused pair (cuDNN's layer norm, bf16 in and out,
// into the vendor's own z, then cuBLASLt's bf16 GEMM), made through the vendor registry as the
// worker makes it, on the exercise's own inputs (every row regime) against the exercise's truth
// and bound, from one element to the module's timed shape; its `stats` scratch untouched and no
// write outside d. The bound assumes that cuDNN rounds its fp32 z to the nearest bf16 (any other
// rounding flips values the bound does not admit): this is where that is checked. Each test
// SKIPS (visibly) where no GPU is usable.
#include <gtest/gtest.h>

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "exercises/dtype.h"
#include "exercises/layer_norm_linear/layer_norm_linear.h"
#include "exercises/registry.h"
#include "gpu/buffer.h"
#include "gpu/device.h"
#include "gpu/utility.h"
#include "grade/compare.h"
#include "support/cli.h"
#include "support/host_case.h"
#include "support/vendor_fixture.h"
#include "worker/vendor.h"

namespace kc::test {
namespace {

using exercises::Sizes;
using gpu::DeviceBuffer;
namespace lnl = exercises::lnl;

class LayerNormLinearVendor : public VendorTest {};

TEST_F(LayerNormLinearVendor, TheUnfusedPairMeetsTheExercisesBound) {
    const exercises::Exercise* ex = exercises::find_exercise("layer-norm-linear");
    ASSERT_NE(ex, nullptr);
    auto vendor = this->vendor("layer-norm-linear");
    ASSERT_NE(vendor, nullptr);
    const std::vector<Sizes> cases = {
        {{"m", 1}, {"n", 1}, {"k", 1}},        {{"m", 7}, {"n", 5}, {"k", 3}},
        {{"m", 129}, {"n", 65}, {"k", 1}},     {{"m", 67}, {"n", 129}, {"k", 80}},
        {{"m", 127}, {"n", 129}, {"k", 131}},  {{"m", 1000}, {"n", 1000}, {"k", 1000}},
        {{"m", 16384}, {"n", 4096}, {"k", 1024}}, {{"m", 16384}, {"n", 256}, {"k", 4096}}};
    for (size_t i = 0; i < cases.size(); ++i) {
        const Sizes& s = cases[i];
        const auto h = host_case(*ex, s, exercises::case_seed(1, i));
        std::vector<DeviceBuffer> t;
        for (size_t k = 0; k < h.specs.size(); ++k) {
            // d holds bf16 NaNs (the sentinel), the scratch a pattern the vendor must leave alone.
            std::vector<std::byte> fill = h.bytes[k];
            if (k == lnl::kD) {
                const uint32_t nan = exercises::sentinel_word(exercises::DType::BF16);
                for (size_t b = 0; b + 4 <= fill.size(); b += 4) std::memcpy(fill.data() + b, &nan, 4);
                if (fill.size() % 4) std::memcpy(fill.data() + fill.size() - 2, &nan, 2);
            }
            if (k == lnl::kStats) std::fill(fill.begin(), fill.end(), std::byte{0xa5});
            t.push_back(upload(h.specs[k].name.c_str(), fill.data(), fill.size()));
        }
        std::vector<void*> ptrs;
        for (auto& b : t) ptrs.push_back(b.data());
        wire::CaseRequest c;
        c.sizes = s;
        auto st = vendor->run(ptrs, c);
        ASSERT_TRUE(st.ok()) << st.error().message << "\n" << st.error().detail;
        const size_t elements = h.specs[lnl::kD].elements;
        const auto raw = download<std::byte>(t[lnl::kD], elements * 2);
        std::vector<float> d(elements);
        for (size_t e = 0; e < elements; ++e)
            d[e] = static_cast<float>(exercises::value_at(exercises::DType::BF16, raw.data() + 2 * e));
        const auto stats = download<std::byte>(t[lnl::kStats], h.specs[lnl::kStats].bytes());
        EXPECT_TRUE(std::all_of(stats.begin(), stats.end(), [](std::byte b) { return b == std::byte{0xa5}; }));
        for (size_t k : {lnl::kX, lnl::kGamma, lnl::kBeta, lnl::kW})
            EXPECT_EQ(download<std::byte>(t[k], h.bytes[k].size()), h.bytes[k]) << h.specs[k].name << " changed";
        const std::vector<long long> shape = {s.at("m"), s.at("n")};
        const auto cmp = grade::compare(d, h.truth[0], h.bound[0], shape);
        ASSERT_TRUE(cmp.ok()) << cmp.error().message;
        std::printf("[vendor] layer-norm-linear %lld x %lld x %lld: max error/bound %.3g (%s)\n", shape[0], shape[1],
                    s.at("k"), cmp->headroom, vendor->detail().c_str());
        EXPECT_TRUE(cmp->passed()) << cmp->mismatches << " elements out of the bound, headroom " << cmp->headroom;
    }
}

}  // namespace
}  // namespace kc::test
