#include "exercises/tensor.h"

#include <climits>

#include "exercises/conv2d.h"
#include "exercises/layer_norm.h"
#include "exercises/matrix_mul.h"
#include "exercises/softmax.h"
#include "exercises/vector_add.h"
#include "util/parallel.h"

namespace kc::exercises {

std::string diagnose_case(const TensorExercise& ex, const Sizes& s, uint64_t case_seed,
                          const grade::Comparison& comparison, std::span<const uint8_t> mismatch_mask,
                          std::optional<grade::LaunchShape> launch) {
    if (comparison.passed()) return {};
    std::string line = ex.explain(s, case_seed, mismatch_mask);
    return line.empty() ? grade::diagnose(comparison, mismatch_mask, ex.shape(s), launch) : line;
}

const std::vector<const TensorExercise*>& tensor_exercises() {
    static const std::vector<const TensorExercise*> all = {&vector_add_exercise(), &matrix_mul_exercise(),
                                                           &softmax_exercise(), &layer_norm_exercise(),
                                                           &conv2d_exercise()};
    return all;
}

const TensorExercise* find_tensor(const std::string& name) {
    for (const TensorExercise* ex : tensor_exercises())
        if (ex->spec().name == name) return ex;
    return nullptr;
}

size_t elements_of(std::initializer_list<long long> sizes) {
    size_t total = 1;
    for (long long v : sizes)
        if (v < 0 || __builtin_mul_overflow(total, static_cast<unsigned long long>(v), &total)) return SIZE_MAX;
    return total;
}

size_t checked_elements(const TensorExercise& ex, const Sizes& s, size_t limit) {
    for (const auto& field : ex.spec().fields) {
        auto it = s.find(field);
        if (it == s.end() || it->second < 0 || it->second > INT_MAX) return 0;
    }
    // Every field fits an int, so the shape's own arithmetic (conv2d's h + 2 pad) cannot
    // overflow; the products that can are saturated by elements_of().
    for (long long d : ex.shape(s))
        if (d <= 0) return 0;
    for (const auto& t : ex.inputs(s))
        if (t.elements > limit) return 0;
    const size_t n = ex.output(s).elements;
    return n <= limit ? n : 0;
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

}  // namespace kc::exercises
