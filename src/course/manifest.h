// module.json: the manifest of one course module, parsed and validated.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "exercises/custom.h"
#include "exercises/view.h"
#include "grade/speed_gate.h"
#include "util/result.h"

namespace kc::course {

inline constexpr int kManifestFormat = 1;

// One test case: a name and the sizes of the problem (field names come from the exercise).
struct Case {
    std::string name;
    std::map<std::string, long long> sizes;
    bool timed = false;
    // "view": {"offset": 4, "nonfinite": true, "bad_indices": 3}: how the case's inputs are
    // presented (exercises/view.h). Never on the timed case.
    exercises::View view;
    // Set by narrow_cases (`run --case`): the case's position among all the module's cases,
    // from which its inputs are drawn, so that a narrowed run sees the inputs of the full one.
    int seed_index = -1;
};

// A kernel that must get a declared verdict (a wrong kernel that must fail, an odd but correct
// one that must pass). Paths are relative to the module folder.
struct Control {
    std::string file;
    std::string expect;  // verdict name, e.g. "WRONG"
    std::string why;
    bool timed = false;  // graded with timing (a kernel that misbehaves only when timed)
    // Words its report must contain (a control that must fail): the diagnosis or the failing
    // case its lesson is about, so that it cannot fail for another reason unnoticed ("case
    // 'square'", "wrote past the end of `out`"). Empty: the verdict alone is checked.
    std::string diagnosis;
};

// "pass": the speed a correct kernel must reach, measured on the timed case (docs/grading.md,
// "Speed gates"). Below it the verdict is TOO_SLOW.
struct PassTarget {
    grade::GateKind kind = grade::GateKind::VsVendor;
    // VsVendor: vendor_ms / kernel_ms at least this; VsSolution: the same with the module's
    // reference solution (an exercise without a vendor); VsVariant: variant_ms / kernel_ms;
    // OfLight: a fraction (0.8 = 80%).
    double value = 0;
    // VsVariant: the -D values that make the variant of the learner's own kernel.cu it is timed
    // against ({"STAGES", "1"}), sorted by name.
    std::vector<std::pair<std::string, std::string>> defines;

    // "STAGES=1, BM=64": the variant's defines as a learner reads them ("" for other kinds).
    std::string variant() const;
};

struct Manifest {
    int format = kManifestFormat;
    std::string title;
    std::string summary;
    std::string exercise;  // the harness that grades it, e.g. "vector-add"
    std::string kernel;    // the extern "C" entry point (the first, when there are several)
    std::vector<std::string> kernels;  // every entry point, in launch-plan order ("kernel" or "kernels")
    int min_sm = 70;
    // "arch": "sm_90a": compiled for that arch-specific target, so it runs on GPUs of exactly
    // that compute capability (90); 0 when the module declares none. min_sm equals it.
    int arch_sm = 0;
    int missing_elements = 0;
    std::string starter;   // verdict the untouched kernel.cu must get
    std::string starter_hash;  // hash_hex() of the untouched kernel.cu (for reset); optional
    double timeout_s = 20;
    std::vector<Case> cases;
    std::vector<Control> controls;
    // The speed gates, every one of which a correct kernel must clear, in the order they are
    // decided (the manifest's order of keys is not kept: vs_vendor, vs_solution, vs_variant,
    // of_light). Empty: correct is enough.
    std::vector<PassTarget> pass;
    // "tune": {"BM": [64, 128]}: the course's candidate values of the kernel's tunables (the
    // `#ifndef NAME` defaults), by name, for `kernelcoach tune`; the file's `// tune:` lines add
    // theirs. Sorted by name, values as written.
    std::vector<std::pair<std::string, std::vector<std::string>>> tune;
    // "sanitizers": ["initcheck", "synccheck"]: compute-sanitizer tools a kernel that passes
    // must also be clean under, on top of memcheck (always) and racecheck (shared memory).
    std::vector<std::string> sanitizers;
    // "exercise": "custom": the exercise its "custom" block declares (a learner's own module,
    // tracks/portfolio/), without its truth: the worker loads that from reference.cpp's library.
    // Null for every other exercise.
    std::shared_ptr<const exercises::CustomExercise> custom;

    const Case* timed_case() const;
};

// The exercise that grades `m`: its custom exercise, or the registered one it names; nullptr
// when kernelcoach knows none of that name.
const exercises::Exercise* exercise_of(const Manifest& m);
const exercises::Spec* spec_of(const Manifest& m);

// One part of a module with parts: an exercise of its own, graded and reported on its own.
struct Part {
    std::string name;   // "glu": its file is glu.cu, its id "<module id>/glu"
    Manifest manifest;  // the module's fields (min_sm, arch, timeout_s, ...) merged with the part's
};

// module.json as a whole: a plain module's manifest, or a module with parts.
struct ModuleManifest {
    // A plain module's manifest; for a module with parts, the module's own fields (format,
    // title, summary, min_sm, arch, timeout_s) and nothing to grade.
    Manifest manifest;
    std::vector<Part> parts;  // in the manifest's order; empty for a plain module
};

// A -D value kept to tokens that cannot smuggle in an option or a second definition:
// identifiers, numbers, '.', '-' and '+' (vs_variant's defines, "tune" values, `// tune:` lines).
bool is_define_value(const std::string& s);

// The names a verdict field may hold.
bool is_verdict_name(const std::string& name);

// Parses and validates manifest text, with or without "parts". `where` names the file in
// errors, which also name the field ("tracks/x/module.json: parts[1].cases[2].n: must be a
// non-negative integer size").
Result<ModuleManifest> parse_module_manifest(const std::string& text, const std::string& where);
// The same for a plain module: a manifest with "parts" is an error.
Result<Manifest> parse_manifest(const std::string& text, const std::string& where);

// Whether `name` may name a part: lowercase letters, digits and '-', starting with a letter.
bool is_part_name(const std::string& name);

// The cases of `m` named in `names` (`run --case`), in the manifest's order; an Error names the
// case that is not there, with the nearest names and every case `module_id` has.
Result<std::vector<Case>> narrow_cases(const Manifest& m, const std::vector<std::string>& names,
                                       const std::string& module_id);

// Checks the case sizes against the fields the exercise declares.
Status check_case_fields(const Manifest& m, const std::vector<std::string>& fields,
                         const std::string& where, const std::vector<std::string>& zero_ok = {});
// Checks the cases' views against the views the exercise supports (Spec::views; "offset" is
// every exercise's).
Status check_case_views(const Manifest& m, const std::vector<std::string>& supported, const std::string& where);

}  // namespace kc::course
