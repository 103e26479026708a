// A custom exercise (exercises/custom.h): module.json's "custom" block read and refused in
// words, the exercise it declares, and its truth: reference.cpp built by the system compiler into
// a shared library (engine/reference_build.h), loaded, and computed on the host for a small case.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <stdexcept>

#include "course/manifest.h"
#include "course/scaffold.h"
#include "engine/reference_build.h"
#include "exercises/reference_library.h"
#include "support/cli.h"
#include "wire/protocol.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;
using exercises::CustomExercise;
using exercises::CustomSpec;
using nlohmann::json;

// The worked example's block (kernelcoach new): y = max(x + b[col], 0) over m x n.
json example_block() {
    return json::parse(R"({
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

CustomSpec example_spec() {
    auto spec = exercises::parse_custom(example_block());
    EXPECT_TRUE(spec) << spec.error().message;
    return *spec;
}

// The message parse_custom gives for the example block changed by `edit`.
std::string refusal(const std::function<void(json&)>& edit) {
    json b = example_block();
    edit(b);
    auto spec = exercises::parse_custom(b);
    return spec ? std::string("(accepted)") : spec.error().message;
}

TEST(CustomBlock, TheExampleParsesAndRoundTrips) {
    const CustomSpec spec = example_spec();
    ASSERT_EQ(spec.fields, (std::vector<std::string>{"m", "n"}));
    ASSERT_EQ(spec.tensors.size(), 3u);
    EXPECT_EQ(spec.tensors[1].shape, std::vector<std::string>{"n"});
    EXPECT_EQ(spec.tensors[2].role, exercises::Role::kOut);
    EXPECT_EQ(spec.tensors[0].lo, -4);
    EXPECT_EQ(spec.scalars[1].field, "n");
    EXPECT_DOUBLE_EQ(spec.rel, 1.2e-7);
    EXPECT_EQ(spec.bytes, 8);
    // What the worker's request carries parses to the same block.
    auto again = exercises::parse_custom(exercises::custom_json(spec));
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(exercises::custom_json(*again), exercises::custom_json(spec));
}

TEST(CustomBlock, MistakesAreRefusedInWords) {
    EXPECT_EQ(refusal([](json& b) { b["tensors"][1]["shape"] = {"k"}; }),
              "tensors[1].shape[0]: names 'k', which is not one of the fields (m, n)");
    EXPECT_NE(refusal([](json& b) { b["bound"]["rel"] = 1.5; }).find("bound.rel: is 1.5: a relative bound of 1 or more "
                                                                     "lets an output of zeros pass"),
              std::string::npos);
    EXPECT_EQ(refusal([](json& b) { b["bound"]["abs"] = -1; }), "bound.abs: must be a finite number, 0 or more");
    EXPECT_NE(refusal([](json& b) { b.erase("bound"); }).find("bound: must be {\"abs\": a, \"rel\": r}"), std::string::npos);
    EXPECT_NE(refusal([](json& b) { b["bound"]["relative"] = 0.1; }).find("bound.relative: unknown field"), std::string::npos);
    EXPECT_NE(refusal([](json& b) { b["shapes"] = 1; }).find("shapes: unknown field"), std::string::npos);
    EXPECT_NE(refusal([](json& b) { b["tensors"][0]["dtype"] = "bf16"; }).find("tensors[0].dtype: is \"bf16\""),
              std::string::npos);
    EXPECT_NE(refusal([](json& b) { b["tensors"][0]["role"] = "inout"; }).find("tensors[0].role: must be \"in\""),
              std::string::npos);
    EXPECT_NE(refusal([](json& b) { b["tensors"][2]["role"] = "in"; }).find("no tensor has \"role\": \"out\""),
              std::string::npos);
    EXPECT_NE(refusal([](json& b) { b["tensors"][1]["name"] = "x"; }).find("tensors[1].name: 'x' is used twice"),
              std::string::npos);
    EXPECT_NE(refusal([](json& b) { b["inputs"].erase("b"); }).find("inputs.b: missing"), std::string::npos);
    EXPECT_NE(refusal([](json& b) { b["inputs"]["y"] = {{"lo", 0}, {"hi", 1}}; }).find("inputs.y: names no input tensor"),
              std::string::npos);
    EXPECT_NE(refusal([](json& b) { b["inputs"]["x"] = {{"lo", 1}, {"hi", 1}}; }).find("inputs.x: must be"),
              std::string::npos);
    EXPECT_NE(refusal([](json& b) { b["scalars"][0]["value"] = 3; }).find("scalars[0]: give either"), std::string::npos);
    EXPECT_NE(refusal([](json& b) { b["scalars"][0]["field"] = "k"; }).find("scalars[0].field: must name one of the "
                                                                            "fields (m, n)"),
              std::string::npos);
    EXPECT_NE(refusal([](json& b) { b["fields"] = {"m", "2n"}; }).find("fields[1]: must be a C identifier"),
              std::string::npos);
    EXPECT_NE(refusal([](json& b) { b["bytes"] = 0; }).find("bytes: must be a number above 0"), std::string::npos);
    // A scalar may share a size's name (`int n` is the size n): they live apart.
    EXPECT_EQ(refusal([](json&) {}), "(accepted)");
}

// module.json with the example block, `edit`ed.
std::string manifest_with(const std::function<void(json&)>& edit) {
    json j = {{"format", 1}, {"title", "mine"}, {"exercise", "custom"}, {"kernel", "bias_relu"}, {"starter", "WRONG"},
              {"custom", example_block()}, {"cases", json::array({{{"name", "one"}, {"m", 1}, {"n", 1}}})}};
    edit(j);
    return j.dump();
}

TEST(CustomBlock, TheManifestNamesTheFileAndTheField) {
    auto m = course::parse_manifest(manifest_with([](json&) {}), "tracks/portfolio/module-01-x/module.json");
    ASSERT_TRUE(m) << m.error().message;
    ASSERT_TRUE(m->custom);
    EXPECT_EQ(course::exercise_of(*m), m->custom.get());
    EXPECT_EQ(course::spec_of(*m)->fields, (std::vector<std::string>{"m", "n"}));

    auto bad = course::parse_manifest(manifest_with([](json& j) { j["custom"]["tensors"][2]["shape"] = {"m", "k"}; }),
                                      "tracks/portfolio/module-01-x/module.json");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "tracks/portfolio/module-01-x/module.json: custom.tensors[2].shape[1]: names 'k', "
                                   "which is not one of the fields (m, n)");
    auto no_block = course::parse_manifest(manifest_with([](json& j) { j.erase("custom"); }), "module.json");
    ASSERT_FALSE(no_block);
    EXPECT_NE(no_block.error().message.find("module.json: custom: missing"), std::string::npos);
    auto stray = course::parse_manifest(manifest_with([](json& j) { j["exercise"] = "vector-add"; }), "module.json");
    ASSERT_FALSE(stray);
    EXPECT_NE(stray.error().message.find("custom: is the block of \"exercise\": \"custom\""), std::string::npos);
    // Not in a module with parts (yet).
    json parts = {{"format", 1}, {"title", "t"}, {"parts", json::array()}};
    json part = json::parse(manifest_with([](json&) {}));
    part.erase("format");
    part["name"] = "one";
    parts["parts"].push_back(part);
    auto in_part = course::parse_module_manifest(parts.dump(), "module.json");
    ASSERT_FALSE(in_part);
    EXPECT_NE(in_part.error().message.find("parts[0].exercise: \"custom\" is for a module of one exercise"),
              std::string::npos);
}

TEST(CustomExercise, DeclaresItsTensorsScalarsAndHeader) {
    const CustomExercise ex(example_spec());
    const exercises::Sizes s = {{"m", 3}, {"n", 4}};
    const auto t = ex.tensors(s);
    ASSERT_EQ(t.size(), 3u);
    EXPECT_EQ(t[0].elements, 12u);
    EXPECT_EQ(t[1].elements, 4u);
    EXPECT_EQ(t[2].role, exercises::Role::kOut);
    EXPECT_EQ(exercises::parameters(ex, s), "const float* x, const float* b, float* y, int m, int n");
    EXPECT_EQ(exercises::check_declarations(ex, s), "");
    EXPECT_EQ(ex.shape(s, "y"), (std::vector<long long>{3, 4}));
    EXPECT_EQ(ex.spec().bytes(s), 8.0 * 12);
    EXPECT_EQ(ex.spec().flops(s), 2.0 * 12);
    EXPECT_TRUE(ex.spec().vendor.empty());  // timed against the module's reference solution
    EXPECT_EQ(exercises::checked_elements(ex, s), 12u);
    EXPECT_FALSE(exercises::checked_elements(ex, {{"m", 0}, {"n", 4}}));
    const std::string header = exercises::prelude(ex, compile::default_constants(75));
    EXPECT_NE(header.find("struct Problem { long long m; long long n; };"), std::string::npos);
    EXPECT_NE(header.find("x = 0, b = 1, y = 2"), std::string::npos) << header;
}

TEST(CustomExercise, InputsAreSeededAndInTheirRanges) {
    const CustomExercise ex(example_spec());
    const exercises::Sizes s = {{"m", 5}, {"n", 7}};
    const auto specs = ex.tensors(s);
    auto fill = [&](uint64_t seed) {
        std::vector<float> x(35), b(7);
        std::vector<exercises::HostTensor> seeded = {{&specs[0], std::as_writable_bytes(std::span(x))},
                                                     {&specs[1], std::as_writable_bytes(std::span(b))}};
        ex.make_inputs(seed, s, seeded);
        return std::make_pair(x, b);
    };
    const auto a = fill(42), again = fill(42), other = fill(43);
    EXPECT_EQ(a, again);
    EXPECT_NE(a.first, other.first);
    for (float v : a.first) EXPECT_TRUE(v >= -4 && v < 4) << v;
    for (float v : a.second) EXPECT_TRUE(v >= -2 && v < 2) << v;
}

TEST(CustomExercise, TheParentsCopyComputesNoTruth) {
    const CustomExercise ex(example_spec());
    EXPECT_THROW(ex.truth({{"m", 1}, {"n", 1}}, {}, {}), std::logic_error);
}

// ---- reference.cpp: built, cached, loaded, computed -----------------------------------------

// A module folder holding `reference` as reference.cpp, and a cache folder.
struct RefDir {
    TempDir dir;
    fs::path module() const { return dir.path() / "module"; }
    fs::path cache() const { return dir.path() / "cache"; }
    engine::ReferenceBuildRequest request(const std::string& reference, const std::string& compiler = {}) const {
        write_text(module() / "reference.cpp", reference);
        engine::ReferenceBuildRequest r;
        r.source = module() / "reference.cpp";
        r.display_path = "tracks/portfolio/module-01-x/reference.cpp";
        r.cache_dir = cache();
        r.compiler = compiler;
        return r;
    }
};

// The worked example's reference.cpp, as `kernelcoach new` writes it.
std::string example_reference() {
    auto s = course::make_scaffold("bias-relu", 1);
    for (const auto& f : s->files)
        if (f.path == "reference.cpp") return f.text;
    return {};
}

TEST(ReferenceBuild, TheExampleBuildsLoadsAndMatchesAHandComputation) {
    RefDir d;
    auto built = engine::build_reference(d.request(example_reference()));
    ASSERT_TRUE(built) << built.error().message;
    ASSERT_TRUE(built->ok) << built->summary;
    EXPECT_FALSE(built->cache_hit);
    EXPECT_TRUE(fs::is_regular_file(built->library));
    EXPECT_NE(built->compiler.find("c++"), std::string::npos) << built->compiler;
    auto again = engine::build_reference(d.request(example_reference()));
    ASSERT_TRUE(again && again->ok);
    EXPECT_TRUE(again->cache_hit);
    EXPECT_EQ(again->library, built->library);

    auto ex = exercises::load_custom_exercise(example_spec(), built->library);
    ASSERT_TRUE(ex) << ex.error().message << " " << ex.error().detail;
    const exercises::Sizes s = {{"m", 2}, {"n", 3}};
    const auto specs = (*ex)->tensors(s);
    std::vector<float> x = {1, -2, 0.5f, 3, -4, 2}, b = {0.25f, 1, -1};
    std::vector<exercises::HostTensor> seeded = {{&specs[0], std::as_writable_bytes(std::span(x))},
                                                 {&specs[1], std::as_writable_bytes(std::span(b))}};
    std::vector<double> truth(6, -7), bound(6, -7);
    std::vector<exercises::Expected> written = {{truth, bound}};
    (*ex)->truth(s, seeded, written);
    // y[r][c] = max(x[r][c] + b[c], 0), by hand.
    EXPECT_EQ(truth, (std::vector<double>{1.25, 0, 0, 3.25, 0, 1}));
    for (size_t i = 0; i < 6; ++i) EXPECT_DOUBLE_EQ(bound[i], 1.2e-7 * std::fabs(truth[i])) << i;
}

TEST(ReferenceBuild, ASyntaxErrorNamesTheFileAndTheLine) {
    RefDir d;
    std::string text = example_reference();
    const std::string line = "    const double* b = inputs[1];";
    const size_t at = text.find(line);
    ASSERT_NE(at, std::string::npos);
    text.replace(at, line.size(), "    const double* b = inputs[1] +;");
    const int line_no = static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n')) + 1;
    auto built = engine::build_reference(d.request(text));
    ASSERT_TRUE(built) << built.error().message;
    ASSERT_FALSE(built->ok);
    ASSERT_FALSE(built->diagnostics.empty());
    EXPECT_EQ(built->diagnostics.front().file, "reference.cpp");
    EXPECT_EQ(built->diagnostics.front().line, line_no);
    EXPECT_EQ(built->diagnostics.front().severity, "error");
    EXPECT_NE(built->summary.find("tracks/portfolio/module-01-x/reference.cpp (the float64 truth of this module) does "
                                  "not compile:\ntracks/portfolio/module-01-x/reference.cpp:" +
                                  std::to_string(line_no) + ":"),
              std::string::npos)
        << built->summary;
    EXPECT_NE(built->summary.find("inputs[1] +;"), std::string::npos) << built->summary;  // the source line
    EXPECT_FALSE(fs::exists(built->library));  // nothing cached
}

TEST(ReferenceBuild, AFileWithoutKcReferenceIsToldSo) {
    RefDir d;
    auto built = engine::build_reference(d.request("double helper(double x) { return x; }\n"));
    ASSERT_TRUE(built) << built.error().message;
    ASSERT_FALSE(built->ok);
    EXPECT_NE(built->summary.find("reference.cpp defines no kc_reference()"), std::string::npos) << built->summary;
}

TEST(ReferenceBuild, AMissingFileIsAVerdictNotACrash) {
    TempDir d;
    engine::ReferenceBuildRequest r;
    r.source = d.path() / "reference.cpp";
    r.display_path = "tracks/portfolio/module-01-x/reference.cpp";
    r.cache_dir = d.path() / "cache";
    auto built = engine::build_reference(r);
    ASSERT_TRUE(built);
    EXPECT_FALSE(built->ok);
    EXPECT_NE(built->summary.find("reference.cpp is missing"), std::string::npos);
}

TEST(ReferenceBuild, TheKeyFollowsTheSourceItsIncludesAndTheCompiler) {
    RefDir d;
    const std::string text = "#include \"helper.h\"\n" + example_reference();
    write_text(d.module() / "helper.h", "// one\n");
    auto a = engine::build_reference(d.request(text));
    ASSERT_TRUE(a && a->ok) << (a ? a->summary : a.error().message);
    write_text(d.module() / "helper.h", "// two\n");
    auto b = engine::build_reference(d.request(text));
    ASSERT_TRUE(b && b->ok);
    EXPECT_NE(a->key, b->key);  // an included file changed
    auto c = engine::build_reference(d.request(text + "// more\n"));
    ASSERT_TRUE(c && c->ok);
    EXPECT_NE(b->key, c->key);  // the source changed
    if (std::system("command -v g++ >/dev/null 2>&1") == 0) {
        auto other = engine::build_reference(d.request(text + "// more\n", "g++"));
        ASSERT_TRUE(other && other->ok) << (other ? other->summary : other.error().message);
        EXPECT_NE(other->key, c->key);  // another compiler (another path)
    }
    auto none = engine::build_reference(d.request(text, "no-such-compiler-kc"));
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().message.find("no C++ compiler `no-such-compiler-kc`"), std::string::npos);
}

TEST(ReferenceBuild, PureParts) {
    EXPECT_EQ(engine::host_compiler(nullptr), "c++");
    EXPECT_EQ(engine::host_compiler("  "), "c++");
    EXPECT_EQ(engine::host_compiler("clang++"), "clang++");
    const auto argv = engine::reference_argv({"/usr/bin/c++"}, "/cache/kernelcoach_reference.h", "/cache/out.so");
    EXPECT_EQ(argv, (std::vector<std::string>{"/usr/bin/c++", "-O2", "-shared", "-fPIC", "-std=c++17", "-include",
                                              "/cache/kernelcoach_reference.h", "-Wl,--no-undefined", "-o",
                                              "/cache/out.so", "reference.cpp"}));
    const std::string source = "int a;\nint b = ;\n";
    const auto gcc = engine::parse_compiler_output(
        "reference.cpp: In function 'void f()':\nreference.cpp:2:9: error: expected primary-expression before ';' "
        "token\nhelper.h:4: warning: something\n",
        "reference.cpp", source);
    ASSERT_EQ(gcc.size(), 2u);
    EXPECT_EQ(gcc[0].line, 2);
    EXPECT_EQ(gcc[0].column, 9);
    EXPECT_EQ(gcc[0].source_line, "int b = ;");
    EXPECT_EQ(gcc[1].file, "helper.h");
    EXPECT_EQ(gcc[1].column, 0);
    const auto link = engine::parse_compiler_output(
        "/usr/bin/ld: /tmp/cc.o:(.data.rel.ro+0x0): undefined reference to `kc_reference'\ncollect2: error: ld "
        "returned 1 exit status\n",
        "reference.cpp", source);
    ASSERT_EQ(link.size(), 1u);
    EXPECT_NE(link[0].message.find("defines no kc_reference()"), std::string::npos);
}

TEST(ReferenceBuild, TheRequestCarriesTheBlockAndTheLibrary) {
    wire::Request r;
    r.exercise = "custom";
    r.custom = exercises::custom_json(example_spec());
    r.reference_library = "/cache/reference-abc.so";
    const auto back = json(r).get<wire::Request>();
    EXPECT_EQ(back.custom, r.custom);
    EXPECT_EQ(back.reference_library, r.reference_library);
    const auto plain = json(wire::Request{}).get<wire::Request>();
    EXPECT_TRUE(plain.custom.is_null());
    EXPECT_FALSE(json(wire::Request{}).contains("custom"));
}

}  // namespace
}  // namespace kc::test
