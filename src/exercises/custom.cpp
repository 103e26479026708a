#include "exercises/custom.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <set>
#include <stdexcept>

#include "util/parallel.h"

namespace kc::exercises {

using nlohmann::json;

namespace {

Error fail(const std::string& field, const std::string& what) { return make_error(field + ": " + what); }

bool is_identifier(const std::string& s) {
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// A name that becomes a C++ identifier in kernelcoach.h or the kernel's parameter list.
std::optional<Error> check_name(const json& j, const std::string& field, std::set<std::string>& taken) {
    if (!j.is_string() || !is_identifier(j.get<std::string>()))
        return fail(field, "must be a C identifier (letters, digits and _, not starting with a digit)");
    const std::string name = j.get<std::string>();
    if (name.rfind("kc_", 0) == 0) return fail(field, "names starting with kc_ are kernelcoach's");
    if (!taken.insert(name).second) return fail(field, fmt::format("'{}' is used twice", name));
    return std::nullopt;
}

std::optional<Error> only_keys(const json& j, const std::string& field, const std::set<std::string>& keys) {
    for (auto it = j.begin(); it != j.end(); ++it)
        if (!keys.count(it.key()))
            return fail(field + "." + it.key(), fmt::format("unknown field (known: {})", fmt::join(keys, ", ")));
    return std::nullopt;
}

bool finite_number(const json& j) { return j.is_number() && std::isfinite(j.get<double>()); }

std::optional<Error> read_fields(const json& b, CustomSpec& spec, std::set<std::string>& names) {
    if (!b.contains("fields") || !b["fields"].is_array() || b["fields"].empty())
        return fail("fields", "must be a non-empty array of size names, in Problem's order: [\"m\", \"n\"]");
    for (size_t i = 0; i < b["fields"].size(); ++i) {
        if (auto e = check_name(b["fields"][i], fmt::format("fields[{}]", i), names)) return e;
        spec.fields.push_back(b["fields"][i].get<std::string>());
    }
    return std::nullopt;
}

std::optional<Error> read_shape(const json& j, const std::string& field, const CustomSpec& spec, CustomTensor& t) {
    if (!j.is_array()) return fail(field, "must be an array of field names, outermost first: [\"m\", \"n\"]");
    for (size_t i = 0; i < j.size(); ++i) {
        const std::string where = fmt::format("{}[{}]", field, i);
        if (!j[i].is_string()) return fail(where, "must be a field name");
        const std::string f = j[i].get<std::string>();
        if (std::find(spec.fields.begin(), spec.fields.end(), f) == spec.fields.end())
            return fail(where, fmt::format("names '{}', which is not one of the fields ({})", f,
                                           fmt::join(spec.fields, ", ")));
        t.shape.push_back(f);
    }
    return std::nullopt;
}

std::optional<Error> read_tensor(const json& j, size_t i, CustomSpec& spec, std::set<std::string>& names) {
    const std::string field = fmt::format("tensors[{}]", i);
    if (!j.is_object()) return fail(field, "must be an object: {\"name\": \"x\", \"role\": \"in\", \"dtype\": \"f32\", \"shape\": [\"n\"]}");
    if (auto e = only_keys(j, field, {"name", "role", "dtype", "shape"})) return e;
    CustomTensor t;
    if (!j.contains("name")) return fail(field + ".name", "missing");
    if (auto e = check_name(j["name"], field + ".name", names)) return e;
    t.name = j["name"].get<std::string>();
    const std::string role = j.contains("role") && j["role"].is_string() ? j["role"].get<std::string>() : "";
    if (role != "in" && role != "out")
        return fail(field + ".role", "must be \"in\" (read only) or \"out\" (written); in-place and scratch tensors "
                                     "are not available to a custom exercise yet");
    t.role = role == "in" ? Role::kIn : Role::kOut;
    const std::string dtype = !j.contains("dtype") ? "f32" : j["dtype"].is_string() ? j["dtype"].get<std::string>() : "?";
    if (dtype != "f32" && dtype != "fp32")
        return fail(field + ".dtype", fmt::format("is {}: a custom exercise takes \"f32\" tensors (bf16 and f16 are "
                                                  "to come)",
                                                  j["dtype"].dump()));
    if (!j.contains("shape")) return fail(field + ".shape", "missing (an array of field names: [\"m\", \"n\"])");
    if (auto e = read_shape(j["shape"], field + ".shape", spec, t)) return e;
    spec.tensors.push_back(std::move(t));
    return std::nullopt;
}

std::optional<Error> read_scalar(const json& j, size_t i, CustomSpec& spec, std::set<std::string>& names) {
    const std::string field = fmt::format("scalars[{}]", i);
    if (!j.is_object()) return fail(field, "must be an object: {\"name\": \"alpha\", \"type\": \"float\", \"value\": 0.5}");
    if (auto e = only_keys(j, field, {"name", "type", "value", "field"})) return e;
    CustomScalar s;
    if (!j.contains("name")) return fail(field + ".name", "missing");
    if (auto e = check_name(j["name"], field + ".name", names)) return e;
    s.name = j["name"].get<std::string>();
    const std::string type = j.contains("type") && j["type"].is_string() ? j["type"].get<std::string>() : "";
    if (type != "int" && type != "float") return fail(field + ".type", "must be \"int\" or \"float\"");
    s.is_float = type == "float";
    if (j.contains("value") == j.contains("field"))
        return fail(field, "give either \"value\" (a number) or \"field\" (the size it equals)");
    if (j.contains("field")) {
        s.field = j["field"].is_string() ? j["field"].get<std::string>() : "";
        if (std::find(spec.fields.begin(), spec.fields.end(), s.field) == spec.fields.end())
            return fail(field + ".field", fmt::format("must name one of the fields ({})", fmt::join(spec.fields, ", ")));
    } else if (s.is_float ? !finite_number(j["value"])
                          : !j["value"].is_number_integer() || j["value"].get<long long>() < INT_MIN ||
                                j["value"].get<long long>() > INT_MAX) {
        return fail(field + ".value", s.is_float ? "must be a finite number" : "must be an integer that fits an int");
    } else {
        s.value = j["value"].get<double>();
    }
    spec.scalars.push_back(std::move(s));
    return std::nullopt;
}

std::optional<Error> read_arrays(const json& b, CustomSpec& spec, std::set<std::string>& names) {
    if (!b.contains("tensors") || !b["tensors"].is_array() || b["tensors"].empty())
        return fail("tensors", "must be a non-empty array of tensors, in the kernel's parameter order");
    for (size_t i = 0; i < b["tensors"].size(); ++i)
        if (auto e = read_tensor(b["tensors"][i], i, spec, names)) return e;
    if (std::none_of(spec.tensors.begin(), spec.tensors.end(), [](const CustomTensor& t) { return t.role == Role::kOut; }))
        return fail("tensors", "no tensor has \"role\": \"out\": the kernel must write something to check");
    if (!b.contains("scalars")) return std::nullopt;
    if (!b["scalars"].is_array()) return fail("scalars", "must be an array of scalars, after the tensors in the kernel's parameters");
    for (size_t i = 0; i < b["scalars"].size(); ++i)
        if (auto e = read_scalar(b["scalars"][i], i, spec, names)) return e;
    return std::nullopt;
}

// "inputs": {"x": {"lo": -4, "hi": 4}}: one range per input tensor, every input named.
std::optional<Error> read_inputs(const json& b, CustomSpec& spec) {
    const json empty = json::object();
    const json& in = b.contains("inputs") ? b["inputs"] : empty;
    if (!in.is_object()) return fail("inputs", "must be an object of ranges by input tensor: {\"x\": {\"lo\": -1, \"hi\": 1}}");
    for (auto it = in.begin(); it != in.end(); ++it) {
        auto t = std::find_if(spec.tensors.begin(), spec.tensors.end(), [&](const CustomTensor& x) { return x.name == it.key(); });
        if (t == spec.tensors.end() || t->role != Role::kIn)
            return fail("inputs." + it.key(), "names no input tensor (a range is for a tensor with \"role\": \"in\")");
    }
    for (auto& t : spec.tensors) {
        if (t.role != Role::kIn) continue;
        const std::string field = "inputs." + t.name;
        if (!in.contains(t.name)) return fail(field, "missing: every input needs its range, {\"lo\": -1, \"hi\": 1}");
        const json& r = in[t.name];
        if (!r.is_object()) return fail(field, "must be {\"lo\": number, \"hi\": number}");
        if (auto e = only_keys(r, field, {"lo", "hi"})) return e;
        if (!r.contains("lo") || !r.contains("hi") || !finite_number(r["lo"]) || !finite_number(r["hi"]) ||
            !(r["lo"].get<double>() < r["hi"].get<double>()) || std::fabs(r["lo"].get<double>()) > 1e30 ||
            std::fabs(r["hi"].get<double>()) > 1e30)
            return fail(field, "must be {\"lo\": a, \"hi\": b} with finite a < b (uniform in [a, b))");
        t.lo = r["lo"].get<double>();
        t.hi = r["hi"].get<double>();
    }
    return std::nullopt;
}

// "bound": {"abs": a, "rel": r}: |got - truth| <= a + r |truth|.
std::optional<Error> read_bound(const json& b, CustomSpec& spec) {
    const char* shape = "must be {\"abs\": a, \"rel\": r}: an element passes when |got - truth| <= a + r |truth|";
    if (!b.contains("bound") || !b["bound"].is_object() || b["bound"].empty()) return fail("bound", shape);
    const json& bd = b["bound"];
    if (auto e = only_keys(bd, "bound", {"abs", "rel"})) return e;
    for (const char* k : {"abs", "rel"}) {
        if (!bd.contains(k)) continue;
        if (!finite_number(bd[k]) || bd[k].get<double>() < 0)
            return fail(std::string("bound.") + k, "must be a finite number, 0 or more");
    }
    spec.abs = bd.value("abs", 0.0);
    spec.rel = bd.value("rel", 0.0);
    if (spec.rel >= 1)
        return fail("bound.rel", fmt::format("is {:g}: a relative bound of 1 or more lets an output of zeros pass "
                                             "(fp32's one rounding is 6e-8; a few roundings, 1e-6)",
                                             spec.rel));
    return std::nullopt;
}

std::optional<Error> read_costs(const json& b, CustomSpec& spec) {
    if (!b.contains("bytes") || !finite_number(b["bytes"]) || b["bytes"].get<double>() <= 0)
        return fail("bytes", "must be a number above 0: the DRAM bytes one element of the first output costs (read "
                             "and written; 8 for y = f(x) in fp32), for the speed of light");
    spec.bytes = b["bytes"].get<double>();
    if (b.contains("flops")) {
        if (!finite_number(b["flops"]) || b["flops"].get<double>() < 0)
            return fail("flops", "must be a number, 0 or more: the arithmetic of one element of the first output");
        spec.flops = b["flops"].get<double>();
    }
    return std::nullopt;
}

// A stream tag from a tensor's name (FNV-1a): its inputs do not change when others are added.
uint64_t name_tag(const std::string& name) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : name) h = (h ^ c) * 0x100000001b3ull;
    return h;
}

double elements_of(const std::vector<std::string>& shape, const Sizes& s) {
    double n = 1;
    for (const auto& f : shape) n *= static_cast<double>(s.at(f));
    return n;
}

const CustomTensor& first_output(const CustomSpec& c) {
    return *std::find_if(c.tensors.begin(), c.tensors.end(), [](const CustomTensor& t) { return t.role == Role::kOut; });
}

}  // namespace

Result<CustomSpec> parse_custom(const json& b) {
    if (!b.is_object())
        return make_error("must be an object: {\"fields\", \"tensors\", \"scalars\", \"inputs\", \"bound\", \"bytes\", \"flops\"}");
    if (auto e = only_keys(b, "", {"fields", "tensors", "scalars", "inputs", "bound", "bytes", "flops"})) {
        e->message = e->message.substr(1);  // "x: unknown" rather than ".x: unknown"
        return *e;
    }
    CustomSpec spec;
    // Fields are Problem's members; tensors and scalars the kernel's parameters: a scalar may
    // share a field's name (`int n`, the size n), never another parameter's.
    std::set<std::string> fields, parameters;
    if (auto e = read_fields(b, spec, fields)) return *e;
    if (auto e = read_arrays(b, spec, parameters)) return *e;
    if (auto e = read_inputs(b, spec)) return *e;
    if (auto e = read_bound(b, spec)) return *e;
    if (auto e = read_costs(b, spec)) return *e;
    return spec;
}

json custom_json(const CustomSpec& spec) {
    json tensors = json::array(), scalars = json::array(), inputs = json::object();
    for (const auto& t : spec.tensors) {
        tensors.push_back({{"name", t.name}, {"role", name_of(t.role)}, {"dtype", "f32"}, {"shape", t.shape}});
        if (t.role == Role::kIn) inputs[t.name] = {{"lo", t.lo}, {"hi", t.hi}};
    }
    for (const auto& s : spec.scalars) {
        json j = {{"name", s.name}, {"type", s.is_float ? "float" : "int"}};
        if (!s.field.empty()) j["field"] = s.field;
        else if (s.is_float) j["value"] = s.value;
        else j["value"] = static_cast<long long>(s.value);
        scalars.push_back(j);
    }
    return {{"fields", spec.fields},
            {"tensors", tensors},
            {"scalars", scalars},
            {"inputs", inputs},
            {"bound", {{"abs", spec.abs}, {"rel", spec.rel}}},
            {"bytes", spec.bytes},
            {"flops", spec.flops}};
}

double custom_bound(const CustomSpec& spec, double truth) {
    return std::isfinite(truth) ? spec.abs + spec.rel * std::fabs(truth) : spec.abs;
}

CustomExercise::CustomExercise(CustomSpec spec, ReferenceFn reference, std::shared_ptr<void> keep_alive)
    : custom_(std::move(spec)), reference_(reference), keep_alive_(std::move(keep_alive)) {
    spec_.name = "custom";
    spec_.fields = custom_.fields;
    const std::vector<std::string> out = first_output(custom_).shape;
    const double bytes = custom_.bytes, flops = custom_.flops;
    spec_.bytes = [out, bytes](const Sizes& s) { return bytes * elements_of(out, s); };
    spec_.flops = [out, flops](const Sizes& s) { return flops * elements_of(out, s); };
    for (const auto& f : custom_.fields) spec_.example[f] = 1;
    spec_.sweep_fields = custom_.fields;
    spec_.sweep_steps = 6;
}

std::vector<TensorSpec> CustomExercise::tensors(const Sizes& s) const {
    std::vector<TensorSpec> out;
    for (const auto& t : custom_.tensors) {
        size_t n = 1;
        for (const auto& f : t.shape) {
            const long long v = s.at(f);
            if (v < 0 || __builtin_mul_overflow(n, static_cast<unsigned long long>(v), &n)) n = SIZE_MAX;
            if (n == SIZE_MAX) break;
        }
        out.push_back({t.name, n, t.role, t.type, false});
    }
    return out;
}

std::vector<Scalar> CustomExercise::scalars(const Sizes& s) const {
    std::vector<Scalar> out;
    for (const auto& v : custom_.scalars) {
        const double value = v.field.empty() ? v.value : static_cast<double>(s.at(v.field));
        out.push_back(v.is_float ? Scalar::of(static_cast<float>(value), v.name)
                                 : Scalar::of(static_cast<int>(value), v.name));
    }
    return out;
}

std::vector<long long> CustomExercise::shape(const Sizes& s, const std::string& tensor) const {
    std::vector<long long> out;
    for (const auto& t : custom_.tensors)
        if (t.name == tensor)
            for (const auto& f : t.shape) out.push_back(s.at(f));
    if (out.empty()) out.push_back(1);
    return out;
}

void CustomExercise::make_inputs(uint64_t seed, const Sizes&, std::span<const HostTensor> seeded) const {
    for (const auto& h : seeded) {
        for (const auto& t : custom_.tensors)
            if (t.name == h.spec->name)
                fill_uniform(h.as<float>(), stream_of(seed, name_tag(t.name)), static_cast<float>(t.lo),
                             static_cast<float>(t.hi));
    }
}

void CustomExercise::truth(const Sizes& s, std::span<const HostTensor> seeded, std::span<const Expected> written) const {
    if (!reference_) throw std::logic_error("custom exercise: truth() without a loaded reference library");
    std::vector<long long> sizes;
    for (const auto& f : custom_.fields) sizes.push_back(s.at(f));
    std::vector<std::vector<double>> wide(seeded.size());
    std::vector<const double*> inputs;
    for (size_t k = 0; k < seeded.size(); ++k) {
        const auto in = seeded[k].as<float>();
        wide[k].resize(in.size());
        parallel_chunks(in.size(), 1 << 16, [&](size_t begin, size_t end, size_t) {
            for (size_t i = begin; i < end; ++i) wide[k][i] = in[i];
        });
        inputs.push_back(wide[k].data());
    }
    std::vector<double*> outputs;
    for (const auto& w : written) outputs.push_back(w.truth.data());
    reference_(sizes.data(), inputs.data(), outputs.data());
    for (const auto& w : written)
        parallel_chunks(w.truth.size(), 1 << 16, [&](size_t begin, size_t end, size_t) {
            for (size_t i = begin; i < end; ++i) w.bound[i] = custom_bound(custom_, w.truth[i]);
        });
}

}  // namespace kc::exercises
