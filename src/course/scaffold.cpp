#include "course/scaffold.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <regex>
#include <unistd.h>

#include "util/atomic_file.h"
#include "util/hash.h"

namespace kc::course {

using nlohmann::ordered_json;

namespace {

constexpr size_t kMaxName = 40;

// A JSON value on one line with a space after every ':' and ',' (module.json's house style).
std::string compact(const ordered_json& j) {
    if (j.is_object()) {
        std::vector<std::string> parts;
        for (auto it = j.begin(); it != j.end(); ++it) parts.push_back(ordered_json(it.key()).dump() + ": " + compact(*it));
        return fmt::format("{{{}}}", fmt::join(parts, ", "));
    }
    if (j.is_array()) {
        std::vector<std::string> parts;
        for (const auto& v : j) parts.push_back(compact(v));
        return fmt::format("[{}]", fmt::join(parts, ", "));
    }
    return j.dump();
}

// module.json's layout: the top's keys and the custom block's one per line, arrays of objects
// (cases, tensors, controls) one object per line, everything else on its key's line.
std::string pretty(const ordered_json& j, const std::string& indent, int depth) {
    if (j.is_array() && !j.empty() && j.front().is_object()) {
        std::vector<std::string> rows;
        for (const auto& v : j) rows.push_back(indent + "  " + compact(v));
        return fmt::format("[\n{}\n{}]", fmt::join(rows, ",\n"), indent);
    }
    const bool holds_rows = std::any_of(j.begin(), j.end(), [](const ordered_json& v) {
        return v.is_array() && !v.empty() && v.front().is_object();
    });
    if (!j.is_object() || depth >= 2 || (depth > 0 && !holds_rows)) return compact(j);
    std::vector<std::string> rows;
    for (auto it = j.begin(); it != j.end(); ++it)
        rows.push_back(indent + "  " + ordered_json(it.key()).dump() + ": " + pretty(*it, indent + "  ", depth + 1));
    return fmt::format("{{\n{}\n{}}}", fmt::join(rows, ",\n"), indent);
}

std::string manifest_text(const ordered_json& j) { return pretty(j, "", 0) + "\n"; }

// ---- the worked example: a fused bias + ReLU ------------------------------------------------

ordered_json example_custom() {
    return ordered_json::parse(R"({
      "fields": ["m", "n"],
      "tensors": [
        {"name": "x", "role": "in", "dtype": "f32", "shape": ["m", "n"]},
        {"name": "b", "role": "in", "dtype": "f32", "shape": ["n"]},
        {"name": "y", "role": "out", "dtype": "f32", "shape": ["m", "n"]}
      ],
      "scalars": [{"name": "m", "type": "int", "field": "m"}, {"name": "n", "type": "int", "field": "n"}],
      "inputs": {"x": {"lo": -4, "hi": 4}, "b": {"lo": -2, "hi": 2}},
      "bound": {"abs": 0, "rel": 1.2e-7},
      "bytes": 8,
      "flops": 2
    })");
}

ordered_json example_cases() {
    return ordered_json::parse(R"([
      {"name": "one", "m": 1, "n": 1},
      {"name": "row", "m": 1, "n": 1003},
      {"name": "column", "m": 1003, "n": 1},
      {"name": "ragged", "m": 3, "n": 1001},
      {"name": "odd", "m": 1001, "n": 1003},
      {"name": "large", "m": 8192, "n": 8192, "timed": true}
    ])");
}

constexpr const char* kExampleLaunch = R"(// One thread per column, and each thread walks down its column's rows (a grid-stride loop in y):
// b[c] is read once per thread, and a warp's 32 threads touch 32 consecutive floats of a row
// (coalesced). 256 threads (8 warps) a block; at most 1024 blocks in y, each taking every
// 1024th row: the large case (8192 x 8192) is 32 x 1024 blocks of 8 rows per thread.
constexpr Launch launch(Problem p) {
    constexpr unsigned threads = 256;
    const long long rows = p.m < 1024 ? p.m : 1024;
    return Launch{.grid = {unsigned((p.n + threads - 1) / threads), unsigned(rows)}, .block = {threads}};
}
)";

std::string example_kernel(const std::string& name, const std::string& kernel, const std::string& id) {
    return fmt::format(R"(// {name}: your own module. Run it with `kernelcoach run {id}`.
//
// It starts as a worked example: a fused bias + ReLU over an m x n row-major matrix,
//     y[r][c] = max(x[r][c] + b[c], 0)
// which reads x once and writes y once (8 bytes per element: memory-bound, so the goal is the
// copy's speed). Write the kernel below; then make the module yours: module.json's "custom"
// block declares the tensors, sizes and bound, reference.cpp computes the float64 truth, and
// solution/kernel.cu is the reference kernel (tracks/README.md, "Your own module").
#include "kernelcoach.h"

extern "C" __global__ void {kernel}(const float* x, const float* b, float* y, int m, int n) {{
    // Your kernel: every y[r * n + c] = max(x[r * n + c] + b[c], 0) for 0 <= r < m, 0 <= c < n.
}}

{launch})",
                       fmt::arg("name", name), fmt::arg("id", id), fmt::arg("kernel", kernel),
                       fmt::arg("launch", kExampleLaunch));
}

// The solution, or (with `bias_index` "r") the control that adds the bias of the row.
std::string example_solution(const std::string& kernel, const std::string& head, bool by_row) {
    return fmt::format(R"({head}
#include "kernelcoach.h"

extern "C" __global__ void {kernel}(const float* __restrict__ x, const float* __restrict__ b, float* __restrict__ y,
                                    int m, int n) {{
    const int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= n) return;  // the last block's threads past the last column
{bias}    // 64-bit offsets: m * n may pass 2^31 elements.
    for (long long r = blockIdx.y; r < m; r += gridDim.y) {{
        const long long i = r * n + c;
        y[i] = fmaxf(x[i] + {term}, 0.f);
    }}
}}

{launch})",
                       fmt::arg("head", head), fmt::arg("kernel", kernel),
                       fmt::arg("bias", by_row ? "" : "    const float bias = b[c];  // one load per thread: the same column in every row\n"),
                       fmt::arg("term", by_row ? "b[r]" : "bias"), fmt::arg("launch", kExampleLaunch));
}

constexpr const char* kExampleReference = R"(// The float64 truth of this module: host C++17 that kernelcoach builds with the system compiler
// ($CXX, else c++) into a library the grader loads, and calls once per case on the CPU. Every
// element of your kernel's output must be within module.json's bound of what this writes.
//   sizes:   m, n                 (module.json custom.fields, in order)
//   inputs:  x (m x n), b (n)     (the "in" tensors, in order, widened to double, row-major)
//   outputs: y (m x n)            (the "out" tensors, in order: write every element)
// The ABI is tracks/README.md's "Your own module"; kernelcoach_reference.h declares it.
#include <algorithm>

extern "C" void kc_reference(const long long* sizes, const double* const* inputs, double* const* outputs) {
    const long long m = sizes[0], n = sizes[1];
    const double* x = inputs[0];
    const double* b = inputs[1];
    double* y = outputs[0];
    for (long long r = 0; r < m; ++r)
        for (long long c = 0; c < n; ++c) y[r * n + c] = std::max(x[r * n + c] + b[c], 0.0);
}
)";

// ---- the files every new module has -----------------------------------------------------------

std::string readme(const std::string& name, const std::string& id, const std::string& from, bool truth_copied) {
    const std::string start =
        from.empty() ? "It starts as a worked example, a fused bias + ReLU (`y = max(x + b[col], 0)` over an m x n "
                       "matrix), complete but for the kernel's body: fill it in, pass, then make the module yours."
                     : fmt::format("It starts from `{}`'s kernel file, copied as it was: its exercise's sizes and "
                                   "tensors are the custom block's. {}",
                                   from,
                                   truth_copied ? "Its `reference.cpp` is copied too: change the operation as you like."
                                                : "Write the float64 truth in `reference.cpp` first (it does not compile "
                                                  "until you do), then change the operation as you like.");
    return fmt::format(R"(# {id} — {name}

Your own module: not part of the certificate (`kernelcoach progress` shows it apart). {start}

    kernelcoach run {id}          # grade kernel.cu
    kernelcoach dev check {id}    # check the whole module: reference.cpp, solution, controls

The files: `module.json` (the manifest and its `"custom"` block: sizes, tensors, scalars, input
ranges, the bound), `kernel.cu` (your kernel), `reference.cpp` (the float64 truth),
`solution/kernel.cu` (a correct kernel), `controls/` (kernels that must fail), `hints.md`. The
contract is tracks/README.md's "Your own module".

## Learning objectives

One line each: what a reader can do after this module that they could not before.

## Key concepts

The ideas the kernel rests on, each under its own `###` heading, with the napkin math (bytes
moved, flops, the speed of light it should reach).

## Code examples

Short excerpts of the kernel with what each line does, and the command that runs them.

## Exercises

What to try next, each with the verdict or the speed it should get: a variant, a control that
must fail, a larger case.

## Best practices

The habits this kernel shows that carry over to others.

## Next steps

Where to go from here: a course module, a harder variant of this one, a paper.
)",
                       fmt::arg("id", id), fmt::arg("name", name), fmt::arg("start", start));
}

std::string hints(const std::string& kernel, const std::string& id) {
    return fmt::format(R"(# Hints

Read one hint, try again, and read the next only if you are still stuck.

# Compile hints

## Hint 1 — the kernel keeps its name and arguments

The entry kernel's line is fixed by module.json's "custom" block: `extern "C" __global__ void {}`
and the arguments in order (the tensors, then the scalars). `kernelcoach info {}` prints it.
A COMPILE_ERROR that names reference.cpp is about the truth, not the kernel.

# Wrong-answer hints

## Hint 2 — read the first wrong case

Start from the smallest case that fails: the report says which elements are wrong and where.
If the truth itself looks wrong, check reference.cpp against a case worked by hand.
)",
                       kernel, id);
}

ordered_json manifest_head(const std::string& name, const std::string& summary, const std::string& kernel,
                           const std::string& starter, const std::string& kernel_text) {
    ordered_json j;
    j["format"] = 1;
    j["title"] = name;
    j["summary"] = summary;
    j["exercise"] = "custom";
    j["kernel"] = kernel;
    j["starter"] = starter;
    j["starter_hash"] = hash_hex(kernel_text);
    j["timeout_s"] = 20;
    return j;
}

Scaffold example_scaffold(const std::string& name, const std::string& id, const std::string& kernel) {
    Scaffold s;
    const std::string starter = example_kernel(name, kernel, id);
    ordered_json j = manifest_head(name, "Your own module, starting as a fused bias + ReLU: y = max(x + b[col], 0) over an "
                                         "m x n matrix, at least 60% of the copy's speed.",
                                   kernel, "WRONG", starter);
    j["custom"] = example_custom();
    j["pass"] = {{"of_light", 0.6}};
    j["cases"] = example_cases();
    j["controls"] = ordered_json::array(
        {{{"file", "controls/bias-by-row.cu"},
          {"expect", "WRONG"},
          {"diagnosis", "case 'odd'"},
          {"why", "the bias of the row, b[r], added in place of the column's b[c]: right only where r = c by chance"}}});
    s.files = {{"module.json", manifest_text(j)},
               {"kernel.cu", starter},
               {"reference.cpp", kExampleReference},
               {"solution/kernel.cu",
                example_solution(kernel,
                                 fmt::format("// {}: the reference solution of {} (a fused bias + ReLU).", name, id),
                                 false)},
               {"controls/bias-by-row.cu",
                example_solution(kernel,
                                 "// Control: must be WRONG. The bias of the row (b[r]) in place of the column's (b[c]):\n"
                                 "// case 'odd' (1001 x 1003) reads b in range and adds the wrong values.",
                                 true)}};
    return s;
}

// ---- --from: a custom block for an existing exercise ------------------------------------------

const int kPrimes[2][12] = {{5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43},
                            {47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101}};

// How many times each field's prime divides `n` (probe `k`), or nullopt when something else is left.
std::optional<std::vector<int>> factor(size_t n, const std::vector<std::string>& fields, int k) {
    std::vector<int> e(fields.size(), 0);
    for (size_t f = 0; f < fields.size() && n > 1; ++f)
        while (n % static_cast<size_t>(kPrimes[k][f]) == 0) {
            n /= static_cast<size_t>(kPrimes[k][f]);
            ++e[f];
        }
    if (n != 1) return std::nullopt;
    return e;
}

// A tensor's shape as field names: a written tensor's from the exercise's shape(), when every
// dimension is one field; otherwise the fields in their order, each as often as it divides.
std::vector<std::string> shape_of(const exercises::Exercise& ex, const exercises::TensorSpec& t,
                                  const exercises::Sizes& probe, const std::vector<std::string>& fields,
                                  const std::vector<int>& exponents) {
    std::vector<std::string> out;
    if (t.written()) {
        for (long long d : ex.shape(probe, t.name))
            for (size_t f = 0; f < fields.size(); ++f)
                if (d == kPrimes[0][f]) out.push_back(fields[f]);
        std::vector<int> e(fields.size(), 0);
        for (const auto& name : out) ++e[static_cast<size_t>(std::find(fields.begin(), fields.end(), name) - fields.begin())];
        if (e == exponents) return out;
        out.clear();
    }
    for (size_t f = 0; f < fields.size(); ++f)
        for (int i = 0; i < exponents[f]; ++i) out.push_back(fields[f]);
    return out;
}

std::optional<Error> derive_tensor(const exercises::Exercise& ex, const exercises::TensorSpec& t1,
                                   const exercises::TensorSpec& t2, const exercises::Sizes& probe,
                                   const std::vector<std::string>& fields, exercises::CustomSpec& out) {
    if (t1.type != exercises::DType::F32)
        return make_error(fmt::format("tensor `{}` is {}: a custom module takes fp32 tensors (bf16 and f16 are to come)",
                                      t1.name, exercises::name_of(t1.type)));
    if (t1.role != exercises::Role::kIn && t1.role != exercises::Role::kOut)
        return make_error(fmt::format("tensor `{}` is {}: a custom module's tensors are read (in) or written (out)",
                                      t1.name, t1.role == exercises::Role::kInOut ? "updated in place" : "scratch"));
    auto e1 = factor(t1.elements, fields, 0), e2 = factor(t2.elements, fields, 1);
    if (!e1 || !e2 || *e1 != *e2)
        return make_error(fmt::format("tensor `{}` has a size that is not a product of the sizes ({}), which a custom "
                                      "block's shape is",
                                      t1.name, fmt::join(fields, ", ")));
    exercises::CustomTensor c;
    c.name = t1.name;
    c.role = t1.role;
    c.shape = shape_of(ex, t1, probe, fields, *e1);
    out.tensors.push_back(std::move(c));
    return std::nullopt;
}

std::optional<Error> derive_scalar(const exercises::Scalar& v1, const exercises::Scalar& v2,
                                   const std::vector<std::string>& fields, exercises::CustomSpec& out) {
    exercises::CustomScalar c;
    c.name = v1.name;
    c.is_float = v1.is_float;
    for (size_t f = 0; f < fields.size() && !v1.is_float; ++f)
        if (v1.i == kPrimes[0][f] && v2.i == kPrimes[1][f]) c.field = fields[f];
    if (c.field.empty()) {
        const double a = v1.is_float ? v1.f : v1.i, b = v2.is_float ? v2.f : v2.i;
        if (a != b)
            return make_error(fmt::format("scalar `{}` changes with the sizes, and is none of them: a custom block's "
                                          "scalar is a size or a fixed value",
                                          v1.name));
        c.value = a;
    }
    out.scalars.push_back(std::move(c));
    return std::nullopt;
}

// The exercise's one kernel takes every tensor, then every scalar (the default plan).
bool default_plan(const exercises::Exercise& ex, const exercises::Sizes& s) {
    const auto plan = ex.plan(s);
    if (plan.size() != 1) return false;
    std::vector<std::string> want;
    for (const auto& t : ex.tensors(s)) want.push_back(t.name);
    for (const auto& v : ex.scalars(s)) want.push_back(v.name);
    return plan.front().args == want;
}

}  // namespace

std::string module_name_problem(const std::string& name) {
    static const std::regex ok("[a-z0-9][a-z0-9-]*");
    if (name.empty()) return "a module needs a name";
    if (name.size() > kMaxName) return fmt::format("'{}' is longer than {} characters", name, kMaxName);
    if (!std::regex_match(name, ok))
        return fmt::format("'{}' is not a module name: use lowercase letters, digits and '-', starting with a letter "
                           "or a digit (bias-relu, softmax-v2)",
                           name);
    return {};
}

std::string kernel_name_for(const std::string& name) {
    std::string k = name;
    std::replace(k.begin(), k.end(), '-', '_');
    return !k.empty() && std::isdigit(static_cast<unsigned char>(k[0])) ? "k_" + k : k;
}

std::optional<int> next_module_number(const std::vector<std::string>& folders) {
    static const std::regex re(R"(module-(\d{2})-.*)");
    int highest = 0;
    for (const auto& f : folders)
        if (std::smatch m; std::regex_match(f, m, re)) highest = std::max(highest, std::stoi(m[1].str()));
    if (highest >= 99) return std::nullopt;
    return highest + 1;
}

Result<exercises::CustomSpec> derive_custom(const Module& m) {
    if (m.manifest.custom) return m.manifest.custom->custom();  // another module of one's own
    const exercises::Exercise* ex = exercise_of(m.manifest);
    if (!ex) return make_error(fmt::format("{}: exercise '{}' is not one kernelcoach knows", m.id, m.manifest.exercise));
    const auto& fields = ex->spec().fields;
    if (fields.size() > std::size(kPrimes[0]))
        return make_error(fmt::format("{}: exercise '{}' has {} sizes; a custom block takes at most {}", m.id,
                                      m.manifest.exercise, fields.size(), std::size(kPrimes[0])));
    exercises::Sizes p1, p2;
    for (size_t f = 0; f < fields.size(); ++f) {
        p1[fields[f]] = kPrimes[0][f];
        p2[fields[f]] = kPrimes[1][f];
    }
    if (m.manifest.kernels.size() != 1 || !default_plan(*ex, p1))
        return make_error(fmt::format("{}: exercise '{}' launches {} kernels; a custom module launches one, taking "
                                      "every tensor and then every scalar",
                                      m.id, m.manifest.exercise, ex->plan(p1).size()));
    exercises::CustomSpec out;
    out.fields = fields;
    const auto t1 = ex->tensors(p1), t2 = ex->tensors(p2);
    for (size_t i = 0; i < t1.size(); ++i)
        if (auto e = derive_tensor(*ex, t1[i], t2[i], p1, fields, out))
            return make_error(fmt::format("{}: {}", m.id, e->message));
    const auto s1 = ex->scalars(p1), s2 = ex->scalars(p2);
    for (size_t i = 0; i < s1.size(); ++i)
        if (auto e = derive_scalar(s1[i], s2[i], fields, out)) return make_error(fmt::format("{}: {}", m.id, e->message));
    out.abs = 1e-6;
    out.rel = 1e-5;
    const Case* timed = m.manifest.timed_case();
    const exercises::Sizes& at = timed ? timed->sizes : m.manifest.cases.back().sizes;
    for (const auto& t : ex->tensors(at))
        if (t.written() && t.elements > 0) {
            out.bytes = ex->spec().bytes(at) / static_cast<double>(t.elements);
            out.flops = ex->spec().flops(at) / static_cast<double>(t.elements);
            break;
        }
    if (!(out.bytes > 0)) out.bytes = 8;
    return out;
}

namespace {

// The entry kernel of `spec` with an empty body and a launch() of one thread per element of the
// first output: a control that writes nothing, so it must be WRONG.
std::string writes_nothing(const exercises::CustomExercise& ex, const std::string& kernel) {
    const auto& first = std::find_if(ex.custom().tensors.begin(), ex.custom().tensors.end(),
                                     [](const auto& t) { return t.role == exercises::Role::kOut; })
                            ->shape;
    std::string elements = first.empty() ? "1" : fmt::format("p.{}", fmt::join(first, " * p."));
    return fmt::format(R"(// Control: must be WRONG. The entry kernel with an empty body: it writes nothing, so every
// element of the output still holds the sentinel kernelcoach filled it with.
#include "kernelcoach.h"

extern "C" __global__ void {}({}) {{}}

constexpr Launch launch(Problem p) {{
    const long long elements = {};
    return Launch{{.grid = {{unsigned((elements + 255) / 256)}}, .block = {{256}}}};
}}
)",
                       kernel, exercises::parameters(ex, ex.spec().example), elements);
}

Result<Scaffold> from_scaffold(const std::string& name, const StartingPoint& from) {
    const Module& src = *from.module;
    auto custom = derive_custom(src);
    if (!custom) return custom.error();
    const exercises::CustomExercise ex(*custom);
    const std::string kernel = src.manifest.kernel;
    // The starting point is a finished kernel of the same exercise: once reference.cpp holds the
    // operation's truth, it passes.
    ordered_json j = manifest_head(name,
                                   fmt::format("Your own module, starting from {}'s kernel ({}).", src.id,
                                               src.manifest.title),
                                   kernel, "PASSED", from.kernel);
    j["custom"] = ordered_json::parse(exercises::custom_json(*custom).dump());
    ordered_json cases = ordered_json::array();
    for (const auto& c : src.manifest.cases) {
        ordered_json row = {{"name", c.name}};
        for (const auto& f : custom->fields) row[f] = c.sizes.at(f);
        if (c.view.offset) row["view"] = {{"offset", c.view.offset}};
        if (c.timed) row["timed"] = true;
        cases.push_back(row);
    }
    j["cases"] = cases;
    j["controls"] = ordered_json::array({{{"file", "controls/writes-nothing.cu"},
                                          {"expect", "WRONG"},
                                          {"why", "the entry kernel with an empty body: no element is written"}}});
    Scaffold s;
    s.files = {{"module.json", manifest_text(j)},
               {"kernel.cu", from.kernel},
               {"reference.cpp", !from.reference.empty() ? from.reference : fmt::format(R"(// The float64 truth of this module, started from {src}: host C++17 that kernelcoach builds with
// the system compiler ($CXX, else c++) into a library the grader loads (tracks/README.md, "Your
// own module"). kc_reference() gets the sizes in custom.fields order ({fields}), every "in"
// tensor widened to double in custom.tensors order, and writes every element of every "out"
// tensor. The sizes, tensors and scalars are in module.json's "custom" block.
#error "write the float64 truth of your operation in kc_reference() below, then delete this line"

extern "C" void kc_reference(const long long* sizes, const double* const* inputs, double* const* outputs) {{
}}
)",
                                             fmt::arg("src", src.id), fmt::arg("fields", fmt::join(custom->fields, ", ")))},
               {"solution/kernel.cu", from.solution.empty() ? from.kernel : from.solution},
               {"controls/writes-nothing.cu", writes_nothing(ex, kernel)}};
    return s;
}

}  // namespace

std::vector<std::string> portfolio_folders(const std::filesystem::path& root) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(root / "tracks" / kPortfolioTrack, ec))
        if (e.is_directory() && e.path().filename().string().rfind("module-", 0) == 0)
            out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

std::string new_module_problem(const std::filesystem::path& root, const std::string& name) {
    if (auto why = module_name_problem(name); !why.empty()) return why;
    static const std::regex re(R"(module-\d{2}-(.*))");
    for (const auto& f : portfolio_folders(root))
        if (std::smatch m; std::regex_match(f, m, re) && m[1].str() == name)
            return fmt::format("tracks/{}/{} already exists: pick another name, or work on that one", kPortfolioTrack, f);
    return {};
}

Status write_scaffold(const std::filesystem::path& root, const Scaffold& s) {
    namespace fs = std::filesystem;
    const fs::path dest = root / s.rel_dir;
    const fs::path tmp = dest.parent_path() / fmt::format(".new-{}-{}", s.folder, ::getpid());
    std::error_code ec;
    if (fs::exists(dest, ec)) return make_error(fmt::format("{} already exists; nothing was written", s.rel_dir));
    fs::remove_all(tmp, ec);
    for (const auto& f : s.files)
        if (auto w = write_file_atomic(tmp / f.path, f.text); !w) {
            fs::remove_all(tmp, ec);
            return w.error();
        }
    // rename() of a folder onto an existing empty one would succeed: that case is refused above.
    fs::rename(tmp, dest, ec);
    if (ec) {
        fs::remove_all(tmp, ec);
        return make_error(fmt::format("cannot create {}: {}", s.rel_dir, ec.message()));
    }
    return Ok{};
}

Result<Scaffold> make_scaffold(const std::string& name, int number, const StartingPoint* from) {
    if (auto why = module_name_problem(name); !why.empty()) return make_error(why);
    Scaffold s;
    s.folder = fmt::format("module-{:02d}-{}", number, name);
    s.rel_dir = fmt::format("tracks/{}/{}", kPortfolioTrack, s.folder);
    s.id = fmt::format("{}/{:02d}", kPortfolioTrack, number);
    const std::string kernel = kernel_name_for(name);
    Scaffold files;
    if (from) {
        auto made = from_scaffold(name, *from);
        if (!made) return made.error();
        files = std::move(*made);
    } else {
        files = example_scaffold(name, s.id, kernel);
    }
    const std::string kernel_of = from ? from->module->manifest.kernel : kernel;
    s.files = std::move(files.files);
    s.files.push_back(
        {"README.md", readme(name, s.id, from ? from->module->id : std::string(), from && !from->reference.empty())});
    s.files.push_back({"hints.md", hints(kernel_of, s.id)});
    return s;
}

}  // namespace kc::course
