// An input view: how a case's inputs differ from plain seeded data in dense, freshly allocated
// buffers. A module declares a view on a case in module.json ("view": {"offset": 4}); the
// grader passes it to every run of that case (tracks/README.md section 7b; docs/grading.md, "What
// every case checks"). The offset moves
// every tensor; the others change the seeded inputs after make_inputs() and before the truth,
// so the truth is of the inputs the kernel really gets.
#pragma once

#include <string>

namespace kc::exercises {

struct View {
    // Bytes past a 256-byte boundary at which every tensor starts (a sub-buffer at an offset):
    // 4, 8 or 12 misalign a float4 or uint4 access; 0 is the plain, cudaMalloc-aligned start.
    int offset = 0;
    // NaN, +Inf and -Inf planted among the float inputs (Exercise::plant): a kernel must pass
    // them through as the truth does, neither dropping nor "cleaning" them.
    bool nonfinite = false;
    // How many index inputs are out of range, negative and past the end (an exercise that has
    // index inputs declares the view in its Spec::views).
    int bad_indices = 0;

    bool plain() const { return offset == 0 && !nonfinite && bad_indices == 0; }
    // "every pointer 4 bytes past a 256-byte boundary, NaN and Inf among the inputs": the view in
    // a learner's words, for reports; "" for the plain view.
    std::string text() const;
};

// The exercise-specific views an exercise's Spec::views may list (offset needs no support).
inline constexpr const char* kViewNonfinite = "nonfinite";
inline constexpr const char* kViewBadIndices = "bad_indices";

}  // namespace kc::exercises
