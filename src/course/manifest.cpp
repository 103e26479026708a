#include "course/manifest.h"

#include <fmt/format.h>

#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "compile/arch.h"
#include "exercises/registry.h"
#include "util/spell.h"

namespace kc::course {

using nlohmann::json;

namespace {

const std::set<std::string> kVerdicts = {"PASSED",  "WRONG",     "COMPILE_ERROR", "CRASHED",
                                         "TIMED_OUT", "TOO_SLOW", "SKIPPED"};

struct Reader {
    const std::string& where;
    std::string prefix;  // "parts[1]." for the fields of a part

    Error fail(const std::string& field, const std::string& what) const {
        return make_error(fmt::format("{}: {}{}: {}", where, prefix, field, what));
    }
};

bool is_name(const std::string& s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
    return true;
}

// "arch": "sm_90a": an arch-specific target kernelcoach knows; min_sm follows it (left out, or equal).
std::optional<Error> read_arch(const json& j, const Reader& r, Manifest& m) {
    if (!j.contains("arch")) return std::nullopt;
    const char* what = "must be an arch-specific target: \"sm_90a\" (H100/H200) or \"sm_100a\" (B200/GB200)";
    if (!j["arch"].is_string()) return r.fail("arch", what);
    auto a = compile::parse_arch(j["arch"].get<std::string>());
    if (!a || !a->specific || !compile::specific_target(a->sm) || j["arch"].get<std::string>().rfind("sm_", 0) != 0)
        return r.fail("arch", what);
    if (j.contains("min_sm") && m.min_sm != a->sm)
        return r.fail("min_sm", fmt::format("is {}, but \"arch\": \"{}\" runs only on compute capability {}: leave "
                                            "min_sm out, or make it {}",
                                            m.min_sm, compile::arch_name(*a), a->sm, a->sm));
    m.arch_sm = a->sm;
    m.min_sm = a->sm;
    return std::nullopt;
}

// A C identifier (a kernel name becomes one in generated code; a macro name is one).
bool is_identifier(const std::string& s) {
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

}  // namespace

bool is_define_value(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' || c == '+';
    });
}

namespace {

// "pass.vs_variant": {"defines": {"STAGES": 1}, "at_least": 1.25}.
std::optional<Error> parse_variant(const json& v, const Reader& r, PassTarget& t) {
    const std::string field = "pass.vs_variant";
    if (!v.is_object())
        return r.fail(field, "must be an object: {\"defines\": {\"STAGES\": 1}, \"at_least\": 1.25}");
    for (auto it = v.begin(); it != v.end(); ++it)
        if (it.key() != "defines" && it.key() != "at_least") return r.fail(field + "." + it.key(), "unknown field");
    if (!v.contains("at_least") || !v["at_least"].is_number() ||
        !(v["at_least"].get<double>() > 0 && v["at_least"].get<double>() <= 100))
        return r.fail(field + ".at_least", "must be a number in (0, 100]: the variant's time over the kernel's");
    t.value = v["at_least"].get<double>();
    if (!v.contains("defines") || !v["defines"].is_object() || v["defines"].empty())
        return r.fail(field + ".defines", "must be an object of one or more macros: {\"STAGES\": 1}");
    for (auto it = v["defines"].begin(); it != v["defines"].end(); ++it) {
        const std::string where = field + ".defines." + it.key();
        if (!is_identifier(it.key())) return r.fail(where, "is not a macro name");
        std::string value;
        if (it.value().is_number_integer()) value = std::to_string(it.value().get<long long>());
        else if (it.value().is_string()) value = it.value().get<std::string>();
        else return r.fail(where, "must be an integer or a string");
        if (!is_define_value(value)) return r.fail(where, "must be a number or a name (letters, digits, _ . - +)");
        t.defines.emplace_back(it.key(), value);
    }
    return std::nullopt;
}

// One target of "pass": its key and value.
std::optional<Error> parse_target(const std::string& key, const json& v, const Reader& r, PassTarget& t) {
    const std::string field = "pass." + key;
    if (key == "vs_variant") {
        t.kind = grade::GateKind::VsVariant;
        return parse_variant(v, r, t);
    }
    if (key == "vs_vendor" || key == "vs_solution") {
        if (!v.is_number() || !(v.get<double>() > 0 && v.get<double>() <= 100))
            return r.fail(field, key == "vs_vendor" ? "must be a number in (0, 100]: the vendor's time over the kernel's"
                                                    : "must be a number in (0, 100]: the reference solution's time over "
                                                      "the kernel's");
        t.kind = key == "vs_vendor" ? grade::GateKind::VsVendor : grade::GateKind::VsSolution;
    } else if (key == "of_light") {
        if (!v.is_number() || !(v.get<double>() > 0 && v.get<double>() <= 1))
            return r.fail(field, "must be a number in (0, 1]: the fraction of the speed of light (0.8 = 80%)");
        t.kind = grade::GateKind::OfLight;
    } else {
        return r.fail(field, "unknown target (known: vs_vendor, vs_solution, vs_variant, of_light)");
    }
    t.value = v.get<double>();
    return std::nullopt;
}

// "pass": one or more targets, all of which a correct kernel must clear ("0.35x cuBLASLt and
// 1.25x your own 1-stage build"). vs_solution needs an exercise without a vendor, which only
// the grader knows (it refuses the combination).
std::optional<Error> parse_pass(const json& p, const Reader& r, Manifest& m) {
    if (!p.is_object() || p.empty())
        return r.fail("pass", "must be an object of one or more targets: {\"vs_vendor\": 0.6} or {\"of_light\": 0.8}");
    if (p.contains("vs_vendor") && p.contains("vs_solution"))
        return r.fail("pass", "holds vs_vendor and vs_solution: an exercise is timed against one of them");
    for (auto it = p.begin(); it != p.end(); ++it) {
        PassTarget t;
        if (auto e = parse_target(it.key(), it.value(), r, t)) return e;
        m.pass.push_back(std::move(t));
    }
    // Decided in GateKind's order: against the vendor (or solution), the variant, then light.
    std::sort(m.pass.begin(), m.pass.end(), [](const PassTarget& a, const PassTarget& b) { return a.kind < b.kind; });
    if (!m.timed_case()) return r.fail("pass", "needs a case marked \"timed\": true (the gate is measured on it)");
    return std::nullopt;
}

}  // namespace

std::string PassTarget::variant() const {
    std::vector<std::string> parts;
    for (const auto& [name, value] : defines) parts.push_back(name + "=" + value);
    return fmt::format("{}", fmt::join(parts, ", "));
}

bool is_verdict_name(const std::string& name) { return kVerdicts.count(name) > 0; }

const exercises::Exercise* exercise_of(const Manifest& m) {
    return m.custom ? m.custom.get() : exercises::find_exercise(m.exercise);
}

const exercises::Spec* spec_of(const Manifest& m) {
    const exercises::Exercise* ex = exercise_of(m);
    return ex ? &ex->spec() : nullptr;
}

const Case* Manifest::timed_case() const {
    for (const auto& c : cases)
        if (c.timed) return &c;
    return nullptr;
}

namespace {

// "kernel": "name" for a module of one kernel, or "kernels": ["a", "b"] in launch-plan order.
std::optional<Error> read_kernels(const json& j, const Reader& r, Manifest& m) {
    if (j.contains("kernel") == j.contains("kernels"))
        return r.fail("kernel", "give either \"kernel\" (one entry point) or \"kernels\" (several, in launch order)");
    if (j.contains("kernel")) {
        if (!j["kernel"].is_string() || !is_identifier(j["kernel"].get<std::string>()))
            return r.fail("kernel", "must be a C identifier");
        m.kernels = {j["kernel"].get<std::string>()};
    } else {
        if (!j["kernels"].is_array() || j["kernels"].empty())
            return r.fail("kernels", "must be a non-empty array of C identifiers");
        std::set<std::string> seen;
        for (size_t i = 0; i < j["kernels"].size(); ++i) {
            const auto& k = j["kernels"][i];
            if (!k.is_string() || !is_identifier(k.get<std::string>()))
                return r.fail(fmt::format("kernels[{}]", i), "must be a C identifier");
            if (!seen.insert(k.get<std::string>()).second)
                return r.fail(fmt::format("kernels[{}]", i), "names a kernel twice");
            m.kernels.push_back(k.get<std::string>());
        }
    }
    m.kernel = m.kernels.front();
    return std::nullopt;
}

}  // namespace

namespace {

// The fields of one exercise: a plain module's, or each part's in a module with parts.
const std::set<std::string> kExerciseFields = {"exercise", "kernel", "kernels",    "starter", "starter_hash",
                                               "missing_elements", "cases", "controls", "pass", "tune",
                                               "sanitizers", "custom"};
// The fields of the module as a whole; a part may give its own title, summary and timeout_s.
const std::set<std::string> kModuleFields = {"format", "title", "summary", "min_sm", "arch", "timeout_s"};
const std::set<std::string> kPartFields = {"name", "title", "summary", "timeout_s"};

std::optional<Error> read_string(const json& j, const Reader& r, const char* key, bool required, std::string& out) {
    if (!j.contains(key)) return required ? std::optional(r.fail(key, "missing (a string)")) : std::nullopt;
    if (!j[key].is_string() || (required && j[key].get<std::string>().empty()))
        return r.fail(key, required ? "must be a non-empty string" : "must be a string");
    out = j[key].get<std::string>();
    return std::nullopt;
}

std::optional<Error> read_timeout(const json& j, const Reader& r, Manifest& m) {
    if (!j.contains("timeout_s")) return std::nullopt;
    if (!j["timeout_s"].is_number() || j["timeout_s"].get<double>() <= 0 || j["timeout_s"].get<double>() > 3600)
        return r.fail("timeout_s", "must be a number of seconds in (0, 3600]");
    m.timeout_s = j["timeout_s"].get<double>();
    return std::nullopt;
}

// format, title, summary, min_sm, arch and timeout_s: what a module says whether or not it has parts.
std::optional<Error> read_module_fields(const json& j, const Reader& r, Manifest& m) {
    if (!j.contains("format")) return r.fail("format", "missing (this program reads format 1)");
    if (!j["format"].is_number_integer()) return r.fail("format", "must be an integer");
    m.format = j["format"].get<int>();
    if (m.format != kManifestFormat)
        return r.fail("format", fmt::format("is {}, this kernelcoach reads format {}", m.format, kManifestFormat));
    if (auto e = read_string(j, r, "title", true, m.title)) return e;
    if (auto e = read_string(j, r, "summary", false, m.summary)) return e;
    if (j.contains("min_sm")) {
        if (!j["min_sm"].is_number_integer() || j["min_sm"].get<int>() < 50)
            return r.fail("min_sm", "must be an integer compute capability like 70 or 90");
        m.min_sm = j["min_sm"].get<int>();
    }
    if (auto e = read_arch(j, r, m)) return e;
    return read_timeout(j, r, m);
}

// A case's "view" (exercises/view.h): {"offset": 4, "nonfinite": true, "bad_indices": 3}.
std::optional<Error> read_view(const json& j, const Reader& r, const std::string& field, exercises::View& v) {
    if (!j.is_object() || j.empty())
        return r.fail(field, "must be an object with \"offset\", \"nonfinite\" or \"bad_indices\"");
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string& k = it.key();
        if (k == "offset") {
            if (!it->is_number_integer() || it->get<long long>() <= 0 || it->get<long long>() >= 256 ||
                it->get<long long>() % 4)
                return r.fail(field + ".offset", "must be a multiple of 4 bytes between 4 and 252 (4, 8 and 12 "
                                                 "misalign a 16-byte vector)");
            v.offset = it->get<int>();
        } else if (k == "nonfinite") {
            if (!it->is_boolean()) return r.fail(field + ".nonfinite", "must be true or false");
            v.nonfinite = it->get<bool>();
        } else if (k == "bad_indices") {
            if (!it->is_number_integer() || it->get<long long>() < 1 || it->get<long long>() > 1000000)
                return r.fail(field + ".bad_indices", "must be a count of indices between 1 and 1000000");
            v.bad_indices = it->get<int>();
        } else {
            return r.fail(field + "." + k, "unknown view (a view has \"offset\", \"nonfinite\" or \"bad_indices\")");
        }
    }
    return std::nullopt;
}

std::optional<Error> read_cases(const json& j, const Reader& r, Manifest& m) {
    if (!j.contains("cases") || !j["cases"].is_array() || j["cases"].empty())
        return r.fail("cases", "must be a non-empty array");
    std::set<std::string> names;
    for (size_t i = 0; i < j["cases"].size(); ++i) {
        const json& c = j["cases"][i];
        std::string field = fmt::format("cases[{}]", i);
        if (!c.is_object()) return r.fail(field, "must be an object");
        Case out;
        for (auto it = c.begin(); it != c.end(); ++it) {
            const std::string& k = it.key();
            if (k == "name") {
                if (!it->is_string() || !is_name(it->get<std::string>()))
                    return r.fail(field + ".name", "must be lowercase letters, digits and '-'");
                out.name = it->get<std::string>();
            } else if (k == "timed") {
                if (!it->is_boolean()) return r.fail(field + ".timed", "must be true or false");
                out.timed = it->get<bool>();
            } else if (k == "view") {
                if (auto e = read_view(*it, r, field + ".view", out.view)) return e;
            } else {
                // 0 is checked against the exercise (check_case_fields): a padding may be 0.
                if (!it->is_number_integer() || it->get<long long>() < 0)
                    return r.fail(field + "." + k, "must be a non-negative integer size");
                out.sizes[k] = it->get<long long>();
            }
        }
        if (out.name.empty()) return r.fail(field + ".name", "missing");
        if (out.timed && !out.view.plain())
            return r.fail(field + ".view", "the timed case takes no view: it is timed as the vendor is, on plain inputs");
        if (!names.insert(out.name).second) return r.fail(field + ".name", "'" + out.name + "' is used by another case");
        m.cases.push_back(std::move(out));
    }
    int timed = 0;
    for (const auto& c : m.cases) timed += c.timed;
    if (timed > 1) return r.fail("cases", "at most one case may be \"timed\": true");
    return std::nullopt;
}

// "diagnosis": words the report of a control that must fail has to contain.
std::optional<Error> read_diagnosis(const json& c, const Reader& r, const std::string& field, Control& ctl) {
    if (!c.contains("diagnosis")) return std::nullopt;
    if (!c["diagnosis"].is_string() || c["diagnosis"].get<std::string>().empty())
        return r.fail(field + ".diagnosis", "must be a non-empty string (words the control's report must contain)");
    if (ctl.expect == "PASSED")
        return r.fail(field + ".diagnosis", "is for a control that must fail: a PASSED report explains no failure");
    ctl.diagnosis = c["diagnosis"].get<std::string>();
    return std::nullopt;
}

std::optional<Error> read_control(const json& c, const Reader& r, const std::string& field, Control& ctl) {
    if (!c.is_object()) return r.fail(field, "must be an object");
    for (auto it = c.begin(); it != c.end(); ++it)
        if (it.key() != "file" && it.key() != "expect" && it.key() != "why" && it.key() != "timed" &&
            it.key() != "diagnosis")
            return r.fail(field + "." + it.key(), "unknown field");
    if (!c.contains("file") || !c["file"].is_string()) return r.fail(field + ".file", "missing (a path inside the module)");
    ctl.file = c["file"].get<std::string>();
    std::filesystem::path p(ctl.file);
    if (p.is_absolute() || ctl.file.find("..") != std::string::npos)
        return r.fail(field + ".file", "must be a relative path inside the module");
    if (!c.contains("expect") || !c["expect"].is_string() || !is_verdict_name(c["expect"].get<std::string>()))
        return r.fail(field + ".expect", "must be a verdict such as WRONG or PASSED");
    ctl.expect = c["expect"].get<std::string>();
    if (c.contains("why")) {
        if (!c["why"].is_string()) return r.fail(field + ".why", "must be a string");
        ctl.why = c["why"].get<std::string>();
    }
    if (c.contains("timed")) {
        if (!c["timed"].is_boolean()) return r.fail(field + ".timed", "must be true or false");
        ctl.timed = c["timed"].get<bool>();
    }
    return read_diagnosis(c, r, field, ctl);
}

std::optional<Error> read_controls(const json& j, const Reader& r, Manifest& m) {
    if (!j.contains("controls")) return std::nullopt;
    if (!j["controls"].is_array()) return r.fail("controls", "must be an array");
    for (size_t i = 0; i < j["controls"].size(); ++i) {
        Control ctl;
        if (auto e = read_control(j["controls"][i], r, fmt::format("controls[{}]", i), ctl)) return e;
        m.controls.push_back(std::move(ctl));
    }
    return std::nullopt;
}

// exercise, kernel(s), starter, starter_hash, missing_elements, cases, pass and controls: what
// one exercise needs, in a plain module or in a part.
// "tune": {"BM": [64, 128], "STAGES": [2, 3]}: candidate values for `kernelcoach tune`.
std::optional<Error> read_tune(const json& j, const Reader& r, Manifest& m) {
    if (!j.contains("tune")) return std::nullopt;
    const auto& t = j["tune"];
    if (!t.is_object() || t.empty())
        return r.fail("tune", "must be an object of one or more macros and their values: {\"BM\": [64, 128]}");
    for (auto it = t.begin(); it != t.end(); ++it) {
        const std::string where = "tune." + it.key();
        if (!is_identifier(it.key())) return r.fail(where, "is not a macro name");
        if (!it.value().is_array() || it.value().empty())
            return r.fail(where, "must be a non-empty array of values: [64, 128]");
        std::vector<std::string> values;
        for (const auto& v : it.value()) {
            std::string value;
            if (v.is_number_integer()) value = std::to_string(v.get<long long>());
            else if (v.is_string()) value = v.get<std::string>();
            if (!is_define_value(value))
                return r.fail(where, "values must be integers or names (letters, digits, _ . - +)");
            values.push_back(value);
        }
        m.tune.emplace_back(it.key(), std::move(values));
    }
    return std::nullopt;
}

// "sanitizers": ["initcheck", "synccheck"]: the tools a passing kernel must be clean under too.
std::optional<Error> read_sanitizers(const json& j, const Reader& r, Manifest& m) {
    if (!j.contains("sanitizers")) return std::nullopt;
    const std::set<std::string> extra = {"racecheck", "initcheck", "synccheck"};
    if (!j["sanitizers"].is_array()) return r.fail("sanitizers", "must be an array of tools: [\"initcheck\", \"synccheck\"]");
    for (const auto& t : j["sanitizers"]) {
        if (!t.is_string() || !extra.count(t.get<std::string>()))
            return r.fail("sanitizers", "names racecheck, initcheck or synccheck (memcheck runs on every passing kernel)");
        if (std::find(m.sanitizers.begin(), m.sanitizers.end(), t.get<std::string>()) == m.sanitizers.end())
            m.sanitizers.push_back(t.get<std::string>());
    }
    return std::nullopt;
}

// "exercise": "custom" and its "custom" block (exercises/custom.h): the two come together.
std::optional<Error> read_custom(const json& j, const Reader& r, Manifest& m) {
    if (m.exercise != "custom") {
        if (j.contains("custom"))
            return r.fail("custom", "is the block of \"exercise\": \"custom\" (your own module), and this module's "
                                    "exercise is '" + m.exercise + "'");
        return std::nullopt;
    }
    if (!j.contains("custom"))
        return r.fail("custom", "missing: \"exercise\": \"custom\" declares its sizes, tensors, inputs and bound "
                                "there (tracks/README.md, \"Your own module\")");
    auto spec = exercises::parse_custom(j["custom"]);
    if (!spec) return make_error(fmt::format("{}: {}custom.{}", r.where, r.prefix, spec.error().message));
    m.custom = std::make_shared<const exercises::CustomExercise>(std::move(*spec));
    return std::nullopt;
}

std::optional<Error> read_exercise(const json& j, const Reader& r, Manifest& m) {
    if (auto e = read_string(j, r, "exercise", true, m.exercise)) return e;
    if (auto e = read_custom(j, r, m)) return e;
    if (auto e = read_string(j, r, "starter", true, m.starter)) return e;
    if (auto e = read_kernels(j, r, m)) return e;
    if (j.contains("starter_hash")) {
        if (!j["starter_hash"].is_string() || j["starter_hash"].get<std::string>().size() != 32)
            return r.fail("starter_hash", "must be the 32 hex digits `kernelcoach dev check` prints");
        m.starter_hash = j["starter_hash"].get<std::string>();
    }
    if (!is_verdict_name(m.starter))
        return r.fail("starter", "must be a verdict: PASSED, WRONG, COMPILE_ERROR, CRASHED, TIMED_OUT or TOO_SLOW");
    if (j.contains("missing_elements")) {
        if (!j["missing_elements"].is_number_integer() || j["missing_elements"].get<int>() < 0)
            return r.fail("missing_elements", "must be a non-negative integer");
        m.missing_elements = j["missing_elements"].get<int>();
    }
    if (auto e = read_cases(j, r, m)) return e;
    if (auto e = read_tune(j, r, m)) return e;
    if (auto e = read_sanitizers(j, r, m)) return e;
    if (j.contains("pass"))
        if (auto e = parse_pass(j["pass"], r, m)) return e;
    return read_controls(j, r, m);
}

// Part `i` of a module with parts: the module's fields (`module`) with the part's on top.
std::optional<Error> read_part(const json& p, size_t i, const Reader& top, const Manifest& module,
                               std::set<std::string>& names, Part& out) {
    const Reader r{top.where, fmt::format("parts[{}].", i)};
    if (!p.is_object()) return top.fail(fmt::format("parts[{}]", i), "must be an object");
    for (auto it = p.begin(); it != p.end(); ++it) {
        if (kExerciseFields.count(it.key()) || kPartFields.count(it.key())) continue;
        if (kModuleFields.count(it.key()))
            return r.fail(it.key(), "belongs to the module, not to a part: give it once, at the top of module.json");
        return r.fail(it.key(), "unknown field");
    }
    if (!p.contains("name") || !p["name"].is_string() || !is_part_name(p["name"].get<std::string>()))
        return r.fail("name", "must be lowercase letters, digits and '-', starting with a letter (the part's file is "
                              "<name>.cu)");
    out.name = p["name"].get<std::string>();
    if (!names.insert(out.name).second) return r.fail("name", "'" + out.name + "' names another part too");
    out.manifest = module;
    if (auto e = read_string(p, r, "title", true, out.manifest.title)) return e;
    if (auto e = read_string(p, r, "summary", false, out.manifest.summary)) return e;
    if (auto e = read_timeout(p, r, out.manifest)) return e;
    if (auto e = read_exercise(p, r, out.manifest)) return e;
    if (out.manifest.custom)
        return r.fail("exercise", "\"custom\" is for a module of one exercise (your own module); a module with "
                                  "parts cannot hold one yet");
    return std::nullopt;
}

// "parts": every field of an exercise lives in the parts, none at the top.
std::optional<Error> read_parts(const json& j, const Reader& r, ModuleManifest& mm) {
    for (const auto& key : kExerciseFields)
        if (j.contains(key))
            return r.fail(key, "a module has either \"parts\" or its own exercise, never both: move it into each part");
    if (!j["parts"].is_array() || j["parts"].empty())
        return r.fail("parts", "must be a non-empty array of parts, each an exercise of its own");
    std::set<std::string> names;
    for (size_t i = 0; i < j["parts"].size(); ++i) {
        Part part;
        if (auto e = read_part(j["parts"][i], i, r, mm.manifest, names, part)) return e;
        mm.parts.push_back(std::move(part));
    }
    return std::nullopt;
}

}  // namespace

bool is_part_name(const std::string& s) {
    if (s.empty() || s[0] < 'a' || s[0] > 'z') return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    return true;
}

Result<ModuleManifest> parse_module_manifest(const std::string& text, const std::string& where) {
    const Reader r{where};
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error& e) {
        return make_error(fmt::format("{}: not valid JSON: {}", where, e.what()));
    }
    if (!j.is_object()) return make_error(fmt::format("{}: must hold a JSON object", where));
    for (auto it = j.begin(); it != j.end(); ++it)
        if (!kModuleFields.count(it.key()) && !kExerciseFields.count(it.key()) && it.key() != "parts")
            return r.fail(it.key(), "unknown field");

    ModuleManifest mm;
    if (auto e = read_module_fields(j, r, mm.manifest)) return *e;
    if (j.contains("parts")) {
        if (auto e = read_parts(j, r, mm)) return *e;
    } else if (auto e = read_exercise(j, r, mm.manifest)) {
        return *e;
    }
    return mm;
}

Result<Manifest> parse_manifest(const std::string& text, const std::string& where) {
    auto mm = parse_module_manifest(text, where);
    if (!mm) return mm.error();
    if (!mm->parts.empty())
        return make_error(fmt::format("{}: parts: a module with parts has a manifest per part, not one", where));
    return std::move(mm->manifest);
}

Result<std::vector<Case>> narrow_cases(const Manifest& m, const std::vector<std::string>& names,
                                       const std::string& module_id) {
    std::vector<std::string> all;
    for (const auto& c : m.cases) all.push_back(c.name);
    for (const auto& n : names)
        if (std::find(all.begin(), all.end(), n) == all.end()) {
            auto near = spelling_suggestions(n, all);
            return make_error(fmt::format("{} has no case '{}'{}", module_id, n,
                                          near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near.front())),
                              fmt::format("its cases: {}", fmt::join(all, ", ")));
        }
    std::vector<Case> out;
    for (size_t i = 0; i < m.cases.size(); ++i)
        if (std::find(names.begin(), names.end(), m.cases[i].name) != names.end()) {
            out.push_back(m.cases[i]);
            if (out.back().seed_index < 0) out.back().seed_index = static_cast<int>(i);
        }
    return out;
}

Status check_case_fields(const Manifest& m, const std::vector<std::string>& fields,
                         const std::string& where, const std::vector<std::string>& zero_ok) {
    for (size_t i = 0; i < m.cases.size(); ++i) {
        const auto& c = m.cases[i];
        for (const auto& f : fields)
            if (!c.sizes.count(f))
                return make_error(fmt::format("{}: cases[{}]: missing size '{}' (exercise {} needs: {})",
                                              where, i, f, m.exercise, fmt::join(fields, ", ")));
        for (const auto& [k, v] : c.sizes) {
            if (std::find(fields.begin(), fields.end(), k) == fields.end())
                return make_error(fmt::format("{}: cases[{}].{}: unknown size for exercise {} (it takes: {})",
                                              where, i, k, m.exercise, fmt::join(fields, ", ")));
            if (v < 1 && std::find(zero_ok.begin(), zero_ok.end(), k) == zero_ok.end())
                return make_error(fmt::format("{}: cases[{}].{}: must be a positive integer size", where, i, k));
        }
    }
    return Ok{};
}

Status check_case_views(const Manifest& m, const std::vector<std::string>& supported, const std::string& where) {
    auto has = [&](const char* view) { return std::find(supported.begin(), supported.end(), view) != supported.end(); };
    for (size_t i = 0; i < m.cases.size(); ++i) {
        const auto& v = m.cases[i].view;
        const char* missing = v.nonfinite && !has(exercises::kViewNonfinite)      ? exercises::kViewNonfinite
                              : v.bad_indices && !has(exercises::kViewBadIndices) ? exercises::kViewBadIndices
                                                                                  : nullptr;
        if (missing)
            return make_error(fmt::format("{}: cases[{}].view.{}: exercise {} does not support this view (it "
                                          "supports: {})",
                                          where, i, missing, m.exercise,
                                          supported.empty() ? std::string("offset only")
                                                            : "offset, " + fmt::format("{}", fmt::join(supported, ", "))));
    }
    return Ok{};
}

}  // namespace kc::course
