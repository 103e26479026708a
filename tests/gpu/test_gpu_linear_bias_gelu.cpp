// linear-bias-gelu's vendor on a real GPU, made through the vendor registry as the worker makes
// it, on the exercise's own inputs against the exercise's truth and bound: the fused call
// (cuBLASLt's GELU_BIAS epilogue) and its unfused pair (cuBLASLt's plain GEMM, then
// kernelcoach's kc_bias_gelu_bf16 pass), on shapes whose rows are 16-byte aligned (the pass takes
// eight values at a time) and on ones that are not (one at a time). Each test SKIPS (visibly)
// where no GPU is usable.
#include <gtest/gtest.h>

#include <cuda_runtime_api.h>

#include <cmath>
#include <cstdio>
#include <optional>
#include <utility>
#include <vector>

#include "exercises/dtype.h"
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

// bf16 values widened to float.
std::vector<float> widened(const std::vector<uint16_t>& raw) {
    std::vector<float> out(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) out[i] = exercises::from_bf16(raw[i]);
    return out;
}

class LinearBiasGeluVendor : public VendorTest {};

TEST_F(LinearBiasGeluVendor, FusedAndUnfusedMeetTheExercisesBound) {
    const exercises::Exercise* ex = exercises::find_exercise("linear-bias-gelu");
    ASSERT_NE(ex, nullptr);
    auto vendor = this->vendor("linear-bias-gelu");
    ASSERT_NE(vendor, nullptr);
    ASSERT_FALSE(vendor->unfused().empty());
    // n % 8 == 0 (the pass's 16-byte path) and not; k small (the bias matters) and deep.
    const std::vector<Sizes> cases = {{{"m", 1}, {"n", 1}, {"k", 1}},       {{"m", 67}, {"n", 129}, {"k", 80}},
                                      {{"m", 130}, {"n", 264}, {"k", 80}},  {{"m", 131}, {"n", 136}, {"k", 129}},
                                      {{"m", 200}, {"n", 264}, {"k", 1000}}};
    for (size_t i = 0; i < cases.size(); ++i) {
        const Sizes& s = cases[i];
        const auto h = host_case(*ex, s, exercises::case_seed(1, i));
        for (bool unfused : {false, true}) {
            std::vector<DeviceBuffer> t;
            for (size_t k = 0; k < 3; ++k)
                t.push_back(upload(h.specs[k].name.c_str(), h.bytes[k].data(), h.bytes[k].size()));
            const std::vector<uint16_t> nan(h.specs[3].elements, 0x7fc0);
            t.push_back(upload("d", nan.data(), nan.size() * sizeof(uint16_t)));
            const std::vector<void*> ptrs = {t[0].data(), t[1].data(), t[2].data(), t[3].data()};
            wire::CaseRequest c;
            c.sizes = s;
            auto st = unfused ? vendor->run_unfused(ptrs, c) : vendor->run(ptrs, c);
            ASSERT_TRUE(st.ok()) << st.error().message << "\n" << st.error().detail;
            const auto d = widened(download<uint16_t>(t[3], nan.size()));
            const std::vector<long long> shape = {s.at("m"), s.at("n")};
            const auto cmp = grade::compare(d, h.truth[0], h.bound[0], shape);
            ASSERT_TRUE(cmp.ok()) << cmp.error().message;
            std::printf("[vendor] linear-bias-gelu %s %lld x %lld x %lld: max error/bound %.3g\n",
                        unfused ? "unfused" : "fused", s.at("m"), s.at("n"), s.at("k"), cmp->headroom);
            EXPECT_TRUE(cmp->passed()) << (unfused ? "unfused: " : "fused: ") << cmp->mismatches
                                       << " elements out of the bound, headroom " << cmp->headroom;
        }
    }
}

// The pass alone, from bf16 values whose sum with the bias and GELU are known in float64: one
// rounding to bf16 of an fp32 GELU (within 10u |z| of the tanh form, layer_norm_gelu.cpp), so
// within 2^-8 |y| + 10u |z| of the float64 value, on aligned rows and ragged ones.
TEST_F(LinearBiasGeluVendor, TheBiasGeluPassRoundsOnceAlignedOrNot) {
    for (auto [rows, cols] : {std::pair<size_t, size_t>{1, 1}, {3, 7}, {5, 64}, {1000, 1024}, {17, 1003}}) {
        std::vector<uint16_t> d(rows * cols), bias(cols);
        for (size_t j = 0; j < cols; ++j) bias[j] = exercises::to_bf16(-1.f + 2.f * static_cast<float>(j % 17) / 17.f);
        for (size_t i = 0; i < d.size(); ++i)
            d[i] = exercises::to_bf16(-4.f + 8.f * static_cast<float>(i % 1009) / 1009.f);
        auto dd = upload("d", d.data(), d.size() * 2);
        auto bb = upload("bias", bias.data(), bias.size() * 2);
        auto st = util_->bias_gelu_bf16(dd.data(), bb.data(), rows, cols, stream_);
        ASSERT_TRUE(st.ok()) << st.error().message;
        const auto got = widened(download<uint16_t>(dd, d.size()));
        for (size_t i = 0; i < d.size(); ++i) {
            const double z = double(exercises::from_bf16(d[i])) + double(exercises::from_bf16(bias[i % cols]));
            const double y = reference::gelu_tanh(z);
            ASSERT_LE(std::fabs(got[i] - y), 0x1p-8 * std::fabs(y) + 10 * 0x1p-24 * std::fabs(z))
                << rows << " x " << cols << " at " << i << ": z " << z;
        }
    }
}

}  // namespace
}  // namespace kc::test
