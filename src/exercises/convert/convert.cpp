// convert: one fp32 tensor to four types, each rounded to nearest (ties to even):
//     h = (fp16) x,  b = (bf16) x,  i = rint(64 x) (int32),  q = clamp(i + 128, 0, 255) (uint8)
// Every output is the correctly rounded value of its type, so every bound is 0. One input in
// eight is a tie of 64 x (an odd multiple of 1/128), so a kernel that rounds ties away from
// zero (roundf) or truncates fails on i and q.
#include <cmath>

#include "exercises/registry.h"
#include "util/parallel.h"

namespace kc::exercises {

namespace {

constexpr uint64_t kTagX = 0x636f6e7600000001ull;

double bytes(const Sizes& s) { return 15.0 * static_cast<double>(s.at("n")); }  // 4 in; 2 + 2 + 4 + 1 out
double flops(const Sizes& s) { return 4.0 * static_cast<double>(s.at("n")); }

double quantized(float x) { return std::nearbyint(static_cast<double>(x) * 64.0); }  // ties to even

class Convert final : public Exercise {
public:
    const Spec& spec() const override {
        static const Spec s{.name = "convert",
                            .fields = {"n"},
                            .vendor = "",
                            .bytes = bytes,
                            .flops = flops,
                            .example = {{"n", 1003}},
                            .sweep_fields = {"n"},
                            .sweep_factor = 4,
                            .sweep_steps = 6};
        return s;
    }
    std::vector<TensorSpec> tensors(const Sizes& s) const override {
        const auto n = static_cast<size_t>(s.at("n"));
        return {{"x", n, Role::kIn, DType::F32},
                {"h", n, Role::kOut, DType::F16},
                {"b", n, Role::kOut, DType::BF16},
                {"i", n, Role::kOut, DType::I32},
                {"q", n, Role::kOut, DType::U8}};
    }
    std::vector<Scalar> scalars(const Sizes& s) const override {
        return {Scalar::of(static_cast<int>(s.at("n")), "n")};
    }
    std::vector<long long> shape(const Sizes& s, const std::string&) const override { return {s.at("n")}; }
    // In [-3, 3) with magnitudes down to 2^-20 (fp16 subnormals), and every eighth a tie.
    void make_inputs(uint64_t seed, const Sizes&, std::span<const HostTensor> t) const override {
        auto x = t[0].as<float>();
        const uint64_t sx = stream_of(seed, kTagX);
        parallel_chunks(x.size(), 1 << 16, [&](size_t begin, size_t end, size_t) {
            for (size_t i = begin; i < end; ++i) {
                const uint64_t b = bits_at(sx, i);
                if (i % 8 == 3)
                    x[i] = static_cast<float>(static_cast<long long>(b % 768) - 384) / 64.f + 1.f / 128.f;
                else
                    x[i] = uniform_at(sx ^ 1, i, -3.f, 3.f) * std::ldexp(1.f, -static_cast<int>(b % 21));
            }
        });
    }
    void truth(const Sizes&, std::span<const HostTensor> t, std::span<const Expected> out) const override {
        auto x = t[0].as<float>();
        parallel_chunks(x.size(), 1 << 16, [&](size_t begin, size_t end, size_t) {
            for (size_t i = begin; i < end; ++i) {
                const double q = quantized(x[i]);
                out[0].truth[i] = from_fp16(to_fp16(x[i]));
                out[1].truth[i] = from_bf16(to_bf16(x[i]));
                out[2].truth[i] = q;
                out[3].truth[i] = std::clamp(q + 128, 0.0, 255.0);
                for (size_t k = 0; k < 4; ++k) out[k].bound[i] = 0;
            }
        });
    }
    TimedTransform timed_transform(const Sizes&) const override { return {.kind = TimedTransform::kFreshInputs}; }
};

}  // namespace

KC_REGISTER_EXERCISE(instance<Convert>());

}  // namespace kc::exercises
