#include "tune/table.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "report/render.h"

namespace kc::tune {

using nlohmann::json;

Outcome outcome_of(const Variant& v, const engine::Grade& g) {
    Outcome o;
    o.variant = v;
    o.verdict = g.verdict;
    if (g.verdict != grade::Verdict::Passed) o.reason = g.summary;
    if (g.timing && g.timing->samples > 0) {
        o.ms = g.timing->kernel_ms;
        o.vendor_ms = g.timing->vendor_ms;
    }
    if (g.kernel) {
        o.registers = g.kernel->registers;
        o.shared_bytes = g.kernel->static_shared;
    }
    // Plus the dynamic shared memory the timed case launches with.
    for (const auto& geo : g.geometry)
        if (g.timing && geo.name == g.timing->case_name) o.shared_bytes += geo.launch.shared_bytes;
    return o;
}

Table rank(std::vector<Outcome> outcomes, size_t not_tried) {
    Table t;
    t.not_tried = not_tried;
    for (auto& o : outcomes) {
        if (o.timed()) {
            if (o.variant.is_default()) t.default_ms = o.ms;
            t.ranked.push_back(std::move(o));
        } else if (o.verdict == grade::Verdict::Skipped) {
            t.skipped.push_back(std::move(o));
        } else {
            t.invalid.push_back(std::move(o));
        }
    }
    std::stable_sort(t.ranked.begin(), t.ranked.end(), [](const Outcome& a, const Outcome& b) { return a.ms < b.ms; });
    return t;
}

std::string progress_line(size_t done, size_t total, const Variant& v) {
    return fmt::format("tuning {}/{}: {}", done, total, v.label());
}

namespace {

// The value a variant gives `name` ("default" for the file's own build).
std::string value_of(const Variant& v, const std::string& name) {
    for (const auto& [n, value] : v.defines)
        if (n == name) return value;
    return "default";
}

std::string ratio_text(double num, double den) { return num > 0 && den > 0 ? fmt::format("{:.2f}x", num / den) : "-"; }

std::string shared_text(const Outcome& o) {
    if (o.registers < 0) return "-";
    return o.shared_bytes >= 1024 ? fmt::format("{:.1f} KiB", o.shared_bytes / 1024.0) : fmt::format("{} B", o.shared_bytes);
}

}  // namespace

std::string table_text(const Table& t, const std::vector<std::string>& names) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> head = names;
    for (const char* h : {"verdict", "time", "x vendor", "x default", "regs", "smem"}) head.push_back(h);
    rows.push_back(head);
    auto add = [&](const Outcome& o) {
        std::vector<std::string> r;
        for (const auto& n : names) r.push_back(value_of(o.variant, n));
        r.push_back(grade::name(o.verdict));
        r.push_back(o.timed() ? report::ms_text(o.ms) : "-");
        r.push_back(o.timed() ? ratio_text(o.vendor_ms, o.ms) : "-");
        r.push_back(o.timed() ? ratio_text(t.default_ms, o.ms) : "-");
        r.push_back(o.registers >= 0 ? std::to_string(o.registers) : "-");
        r.push_back(shared_text(o));
        rows.push_back(std::move(r));
    };
    for (const auto& o : t.ranked) add(o);
    for (const auto& o : t.skipped) add(o);
    std::vector<size_t> width(head.size(), 0);
    for (const auto& r : rows)
        for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
    std::string out;
    for (const auto& r : rows) {
        std::string line;
        for (size_t c = 0; c < r.size(); ++c) line += fmt::format("{:<{}}  ", r[c], width[c]);
        out += line.substr(0, line.find_last_not_of(' ') + 1) + "\n";
    }
    if (!t.invalid.empty()) {
        out += fmt::format("\n{} invalid:\n", t.invalid.size());
        for (const auto& o : t.invalid)
            out += fmt::format("  {}: {}: {}\n", o.variant.label(), grade::name(o.verdict), o.reason);
    }
    if (!t.skipped.empty() && t.ranked.empty())
        out += fmt::format("\nnothing measured: {}\n", t.skipped.front().reason);
    if (t.not_tried)
        out += fmt::format("\n{} more variants not tried (at most {} are): give fewer values\n", t.not_tried, kMaxVariants);
    if (const auto* w = t.winner())
        out += fmt::format("\nfastest: {} ({}{})\n", w->variant.label(), report::ms_text(w->ms),
                           t.default_ms > 0 ? ", " + ratio_text(t.default_ms, w->ms) + " your defaults" : "");
    return out;
}

namespace {

json outcome_json(const Outcome& o) {
    json defines = json::object();
    for (const auto& [n, v] : o.variant.defines) defines[n] = v;
    json j = {{"defines", defines}, {"label", o.variant.label()}, {"verdict", grade::name(o.verdict)}};
    if (!o.reason.empty()) j["reason"] = o.reason;
    if (o.timed()) {
        j["time_ms"] = o.ms;
        j["vendor_ms"] = o.vendor_ms;
    }
    if (o.registers >= 0) {
        j["registers"] = o.registers;
        j["shared_bytes"] = o.shared_bytes;
    }
    return j;
}

Result<Outcome> outcome_from_json(const json& j) {
    Outcome o;
    try {
        for (auto it = j.at("defines").begin(); it != j.at("defines").end(); ++it)
            o.variant.defines.emplace_back(it.key(), it.value().get<std::string>());
        auto v = grade::parse_verdict(j.at("verdict").get<std::string>());
        if (!v) return make_error("unknown verdict " + j.at("verdict").dump());
        o.verdict = *v;
        o.reason = j.value("reason", "");
        o.ms = j.value("time_ms", 0.0);
        o.vendor_ms = j.value("vendor_ms", 0.0);
        o.registers = j.value("registers", -1);
        o.shared_bytes = j.value("shared_bytes", size_t(0));
    } catch (const json::exception& e) {
        return make_error(e.what());
    }
    return o;
}

}  // namespace

json table_json(const Table& t) {
    json variants = json::array();
    for (const auto* list : {&t.ranked, &t.skipped, &t.invalid})
        for (const auto& o : *list) variants.push_back(outcome_json(o));
    json j = {{"variants", variants}, {"not_tried", t.not_tried}};
    if (t.default_ms > 0) j["default_ms"] = t.default_ms;
    if (const auto* w = t.winner()) j["winner"] = outcome_json(*w);
    return j;
}

Result<Table> table_from_json(const json& j) {
    if (!j.is_object() || !j.contains("variants") || !j["variants"].is_array())
        return make_error("not a tune result: it has no \"variants\"");
    std::vector<Outcome> outcomes;
    for (const auto& v : j["variants"]) {
        auto o = outcome_from_json(v);
        if (!o) return o.error();
        outcomes.push_back(std::move(*o));
    }
    // The defines of the file's defaults are {}, so the default variant is found again.
    return rank(std::move(outcomes), j.value("not_tried", size_t(0)));
}

std::string unchecked_gates_note(const std::vector<course::PassTarget>& pass) {
    std::vector<std::string> gates;
    for (const auto& t : pass)
        if (t.kind == grade::GateKind::VsVariant)
            gates.push_back(fmt::format("at least {:.2f}x your own file built with {}", t.value, t.variant()));
    if (gates.empty()) return {};
    return fmt::format("tune ranks by time alone: the module's gate {} is not measured here, so a variant that "
                       "is faster may still be TOO_SLOW; `kernelcoach run` decides it\n",
                       fmt::join(gates, " and "));
}

}  // namespace kc::tune
