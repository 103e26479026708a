#include "exercises/exercise.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <limits>
#include <set>

#include "util/parallel.h"

namespace kc::exercises {

const char* name_of(Role r) {
    switch (r) {
        case Role::kIn: return "in";
        case Role::kOut: return "out";
        case Role::kInOut: return "inout";
        case Role::kScratch: return "scratch";
    }
    return "?";
}

std::string scratch_function(const std::string& tensor) { return tensor + "_elements"; }

std::vector<Step> Exercise::plan(const Sizes& s) const {
    Step step;
    for (const auto& t : tensors(s)) step.args.push_back(t.name);
    for (const auto& v : scalars(s)) step.args.push_back(v.name);
    return {step};
}

std::vector<std::vector<ArgRef>> resolve_plan(const std::vector<TensorSpec>& tensors,
                                              const std::vector<Scalar>& scalars, const std::vector<Step>& plan) {
    std::vector<std::vector<ArgRef>> out;
    for (const auto& step : plan) {
        std::vector<ArgRef> args;
        for (const auto& name : step.args) {
            ArgRef a;
            for (size_t i = 0; i < tensors.size() && a.tensor < 0; ++i)
                if (tensors[i].name == name) a.tensor = static_cast<int>(i);
            for (size_t i = 0; i < scalars.size() && a.tensor < 0 && a.scalar < 0; ++i)
                if (!name.empty() && scalars[i].name == name) a.scalar = static_cast<int>(i);
            args.push_back(a);
        }
        out.push_back(std::move(args));
    }
    return out;
}

std::string parameters(const Exercise& ex, const Sizes& s, size_t step_index) {
    const auto tensors = ex.tensors(s);
    const auto scalars = ex.scalars(s);
    const auto steps = resolve_plan(tensors, scalars, ex.plan(s));
    if (step_index >= steps.size()) return {};
    std::string out;
    for (const ArgRef& a : steps[step_index]) {
        if (!out.empty()) out += ", ";
        if (a.tensor >= 0) {
            const auto& t = tensors[static_cast<size_t>(a.tensor)];
            out += fmt::format("{}{}* {}", t.role == Role::kIn ? "const " : "", c_type_of(t.type), t.name);
        } else if (a.scalar >= 0) {
            const auto& v = scalars[static_cast<size_t>(a.scalar)];
            out += fmt::format("{} {}", v.is_float ? "float" : "int", v.name);
        }
    }
    return out;
}

std::string check_declarations(const Exercise& ex, const Sizes& s) {
    const auto tensors = ex.tensors(s);
    const auto scalars = ex.scalars(s);
    std::set<std::string> names;
    for (const auto& t : tensors)
        if (!names.insert(t.name).second) return fmt::format("two tensors are named `{}`", t.name);
    if (std::none_of(tensors.begin(), tensors.end(), [](const TensorSpec& t) { return t.written(); }))
        return "no tensor is written (out or inout)";
    for (size_t i = 0; i < scalars.size(); ++i)
        if (scalars[i].name.empty()) return fmt::format("scalar {} has no name", i);
    const auto plan = ex.plan(s);
    if (plan.empty()) return "the launch plan is empty";
    const auto steps = resolve_plan(tensors, scalars, plan);
    std::set<std::string> used;
    for (size_t k = 0; k < plan.size(); ++k)
        for (size_t j = 0; j < plan[k].args.size(); ++j) {
            if (steps[k][j].tensor < 0 && steps[k][j].scalar < 0)
                return fmt::format("step {} names `{}`, which is no tensor or scalar", k, plan[k].args[j]);
            used.insert(plan[k].args[j]);
        }
    for (const auto& t : tensors)
        if (!used.count(t.name)) return fmt::format("no step of the plan takes tensor `{}`", t.name);
    const auto t = ex.timed_transform(s);
    if (t.kind != TimedTransform::kFreshInputs)
        for (const auto& x : tensors)
            if (x.type != DType::F32 || x.role == Role::kInOut)
                return fmt::format("tensor `{}` ({} {}) needs kFreshInputs: only fp32 inputs and outputs are halved "
                                   "or reversed on the GPU",
                                   x.name, name_of(x.role), name_of(x.type));
    return {};
}

std::string diagnose_case(const Exercise& ex, const Sizes& s, uint64_t case_seed, const std::string& tensor,
                          const grade::Comparison& comparison, std::span<const uint8_t> mismatch_mask,
                          std::optional<grade::LaunchShape> launch) {
    if (comparison.passed()) return {};
    std::string line = ex.explain(s, case_seed, tensor, mismatch_mask);
    return line.empty() ? grade::diagnose(comparison, mismatch_mask, ex.shape(s, tensor), launch) : line;
}

std::string explain_written_tensors(const Exercise& ex, const Sizes& s,
                                    std::span<const std::pair<std::string, bool>> matched) {
    std::vector<std::string> wrong, right;
    for (const auto& [tensor, passed] : matched) (passed ? right : wrong).push_back(tensor);
    return wrong.empty() ? std::string() : ex.explain_written(s, wrong, right);
}

size_t elements_of(std::initializer_list<long long> sizes) {
    size_t total = 1;
    for (long long v : sizes)
        if (v < 0 || __builtin_mul_overflow(total, static_cast<unsigned long long>(v), &total)) return SIZE_MAX;
    return total;
}

std::optional<size_t> checked_elements(const Exercise& ex, const Sizes& s) {
    const Spec& spec = ex.spec();
    for (const auto& field : spec.fields) {
        auto it = s.find(field);
        if (it == s.end() || it->second < 0 || it->second > INT_MAX) return std::nullopt;
        if (it->second == 0 && std::find(spec.zero_ok.begin(), spec.zero_ok.end(), field) == spec.zero_ok.end())
            return std::nullopt;
    }
    // Every field fits an int, so the shapes' own arithmetic (conv2d's h + 2 pad) cannot
    // overflow; the products that can are saturated by elements_of().
    const auto tensors = ex.tensors(s);
    std::optional<size_t> first;
    for (const auto& t : tensors) {
        if (t.elements > spec.max_elements) return std::nullopt;
        if (!t.written()) continue;
        for (long long d : ex.shape(s, t.name))
            if (d < 0 || (d == 0 && !spec.empty_ok)) return std::nullopt;
        if (!first) first = t.elements;
    }
    return first;
}

void Exercise::plant(const View& v, uint64_t seed, const Sizes&, std::span<const HostTensor> seeded) const {
    if (!v.nonfinite) return;
    for (size_t i = 0; i < seeded.size(); ++i)
        if (seeded[i].spec->type == DType::F32) plant_nonfinite(seeded[i].as<float>(), stream_of(seed, 0x6e616e00ull + i));
}

float nonfinite_value(size_t k) {
    const float values[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity()};
    return values[k % 3];
}

void plant_nonfinite(std::span<float> x, uint64_t stream) {
    if (x.empty()) return;
    const size_t count = std::max<size_t>(3, x.size() / 1024);
    for (size_t k = 0; k < count; ++k) x[bits_at(stream, k) % x.size()] = nonfinite_value(k);
}

void make_case_inputs(const Exercise& ex, uint64_t seed, const Sizes& s, const View& view,
                      std::span<const HostTensor> seeded) {
    ex.make_inputs(seed, s, seeded);
    ex.plant(view, seed, s, seeded);
}

void fill_uniform(std::span<float> x, uint64_t stream, float lo, float hi) {
    parallel_chunks(x.size(), 1 << 16, [&](size_t begin, size_t end, size_t) {
        for (size_t i = begin; i < end; ++i) x[i] = uniform_at(stream, i, lo, hi);
    });
}

InputTransform input_transform(const TimedTransform& t, size_t input, size_t elements, size_t output_elements) {
    if ((t.kind == TimedTransform::kHalveInput && t.input == input) || t.kind == TimedTransform::kHalveAllInputs)
        return InputTransform::kHalve;
    // Only the inputs laid out like the output (rows x row_length) have rows to reverse.
    if (t.kind == TimedTransform::kReverseRows && t.row_length && elements == output_elements)
        return InputTransform::kReverseRows;
    return InputTransform::kCopy;
}

void transform_truth(const TimedTransform& t, size_t elements, std::span<const double> truth,
                     std::span<const double> bound, std::span<double> truth_out, std::span<double> bound_out) {
    parallel_chunks(elements, 1 << 16, [&](size_t begin, size_t end, size_t) {
        for (size_t i = begin; i < end; ++i) {
            if (t.kind == TimedTransform::kReverseRows) {
                const size_t len = t.row_length ? t.row_length : elements;
                const size_t rows = len ? elements / len : 0, r = i / len, c = i % len;
                const size_t j = (rows - 1 - r) * len + c;
                truth_out[i] = truth[j];
                bound_out[i] = bound[j];
            } else {
                const double f = t.kind == TimedTransform::kHalveInput ? 0.5 : t.output_scale;
                truth_out[i] = truth[i] * f;
                bound_out[i] = bound[i] * f;
            }
        }
    });
}

void fill_small_integers(std::span<float> x, uint64_t stream) {
    parallel_chunks(x.size(), 1 << 16, [&](size_t begin, size_t end, size_t) {
        for (size_t i = begin; i < end; ++i) {
            const uint64_t b = bits_at(stream, i);
            x[i] = static_cast<float>(1 + b % 8) * ((b >> 8) & 1 ? -1.f : 1.f);
        }
    });
}

}  // namespace kc::exercises
