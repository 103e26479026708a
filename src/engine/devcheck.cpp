#include "engine/devcheck.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <regex>
#include <set>

#include "course/examples.h"
#include "engine/control_diagnosis.h"
#include "course/hints.h"
#include "util/atomic_file.h"
#include "util/hash.h"

namespace kc::engine {

namespace fs = std::filesystem;
using Status = DevCheckItem::Status;
using grade::Verdict;

std::vector<int> todo_numbers(const std::string& source) {
    static const std::regex re(R"(TODO\((\d+)\))");
    std::set<int> seen;
    for (auto it = std::sregex_iterator(source.begin(), source.end(), re); it != std::sregex_iterator(); ++it)
        seen.insert(std::stoi((*it)[1].str()));
    return {seen.begin(), seen.end()};
}

int stated_missing_elements(const std::string& readme) {
    static const std::regex re(R"((\d+)\s+missing\s+elements)");
    std::smatch m;
    if (!std::regex_search(readme, m, re)) return -1;
    return std::stoi(m[1].str());
}

namespace {

DevCheckItem item(const course::Module& m, std::string what, std::string expected, std::string got,
                  Status status, std::string detail = {}) {
    return {m.id, std::move(what), std::move(expected), std::move(got), status, std::move(detail)};
}

}  // namespace

namespace {

// Whether the README states `declared` missing elements: its first "N missing elements" for a
// module, any of them for a part (a README that covers several parts states each one's count).
bool readme_states(const std::string& readme, int declared, bool part) {
    if (!part) return stated_missing_elements(readme) == declared;
    static const std::regex re(R"((\d+)\s+missing\s+elements)");
    for (auto it = std::sregex_iterator(readme.begin(), readme.end(), re); it != std::sregex_iterator(); ++it)
        if (std::stoi((*it)[1].str()) == declared) return true;
    return false;
}

}  // namespace

std::vector<DevCheckItem> unit_checks(const course::Module& m) {
    std::vector<DevCheckItem> out;
    const int declared = m.manifest.missing_elements;
    const std::string file = m.kernel_file();

    // Missing elements: the starter's TODO(N) markers, the manifest and the README agree.
    auto starter = read_file(m.kernel_path());
    auto readme = read_file(m.dir / "README.md");
    if (starter) {
        auto todos = todo_numbers(*starter);
        std::string got = std::to_string(todos.size());
        bool consecutive = todos.empty() || (todos.front() == 1 && todos.back() == static_cast<int>(todos.size()));
        out.push_back(item(m, "TODO markers in " + file, std::to_string(declared), got,
                           static_cast<int>(todos.size()) == declared && consecutive ? Status::Pass : Status::Fail,
                           consecutive ? "" : fmt::format("numbers are not 1..N: {}", fmt::join(todos, ", "))));
    }
    // The starter's hash, for reset: the manifest must name this file.
    if (starter) {
        std::string h = hash_hex(*starter);
        out.push_back(item(m, "starter_hash in module.json", "hash of " + file,
                           m.manifest.starter_hash.empty() ? "missing" : m.manifest.starter_hash == h ? "matches" : "differs",
                           m.manifest.starter_hash == h ? Status::Pass : Status::Fail,
                           m.manifest.starter_hash == h ? "" : fmt::format("{} hashes to \"{}\"", file, h)));
    }
    if (readme && declared > 0) {
        int stated = stated_missing_elements(*readme);
        const bool ok = readme_states(*readme, declared, m.is_part());
        out.push_back(item(m, "missing elements stated in README.md", std::to_string(declared),
                           stated < 0 ? "no \"N missing elements\"" : ok ? std::to_string(declared) : std::to_string(stated),
                           ok ? Status::Pass : Status::Fail));
    }

    // Hints: every TODO has a hint that covers it (hints.md's presence is the folder's check).
    auto hints_text = read_file(m.dir / "hints.md");
    auto hints = hints_text ? course::parse_hints(*hints_text, m.rel_dir + "/hints.md")
                            : Result<std::vector<course::Hint>>(make_error("no hints.md"));
    if (hints) {
        std::vector<int> uncovered;
        for (int t = 1; t <= declared; ++t) {
            bool covered = false;
            for (const auto& h : *hints) covered = covered || (h.todo_first <= t && t <= h.todo_last);
            if (!covered) uncovered.push_back(t);
        }
        bool ok = !hints->empty() && uncovered.empty();
        out.push_back(item(m, "hints.md", "hints for every TODO", fmt::format("{} hints", hints->size()),
                           ok ? Status::Pass : Status::Fail,
                           uncovered.empty() ? "" : fmt::format("no hint covers TODO {}", fmt::join(uncovered, ", "))));
    }
    return out;
}

namespace {

// The part names hints.md's headings give that are not parts of the module: "glu, swsh".
std::string unknown_hint_parts(const std::vector<course::Hint>& hints, const std::vector<const course::Module*>& units) {
    std::set<std::string> known, unknown;
    for (const auto* u : units) known.insert(u->part);
    for (const auto& h : hints)
        for (const auto& p : h.parts)
            if (!known.count(p)) unknown.insert(p);
    return fmt::format("{}", fmt::join(unknown, ", "));
}

}  // namespace

std::vector<std::string> readme_figures(const std::string& readme) {
    static const std::regex link(R"(!\[[^\]]*\]\(([A-Za-z0-9._-]+\.svg)\))");
    std::vector<std::string> out;
    for (auto it = std::sregex_iterator(readme.begin(), readme.end(), link); it != std::sregex_iterator(); ++it)
        out.push_back((*it)[1].str());
    return out;
}

std::vector<DevCheckItem> folder_checks(const std::vector<const course::Module*>& units) {
    std::vector<DevCheckItem> out;
    const course::Module& m = *units.front();
    auto folder_item = [&](std::string what, std::string expected, std::string got, Status status, std::string detail) {
        return DevCheckItem{m.module_id(), std::move(what), std::move(expected), std::move(got), status, std::move(detail)};
    };
    if (!fs::is_regular_file(m.dir / "README.md")) out.push_back(folder_item("README.md", "present", "missing", Status::Fail, ""));
    auto hints_text = read_file(m.dir / "hints.md");
    if (!hints_text) out.push_back(folder_item("hints.md", "hints", "missing", Status::Fail, ""));
    else if (auto hints = course::parse_hints(*hints_text, m.rel_dir + "/hints.md"); !hints)
        out.push_back(folder_item("hints.md", "hints", "unreadable", Status::Fail, hints.error().message));
    else if (auto unknown = unknown_hint_parts(*hints, units); !unknown.empty())
        out.push_back(folder_item("hints.md", "hints of this module's parts", "hints for " + unknown, Status::Fail,
                                  "a heading's (part NAME) names no part of module.json"));

    // No stray files: only what a module is made of, and only the controls the manifest lists.
    std::set<std::string> allowed = {"README.md", "module.json", "hints.md"};
    if (auto readme = read_file(m.dir / "README.md"))
        for (auto& f : readme_figures(*readme)) allowed.insert(std::move(f));
    std::vector<std::string> stray, missing;
    for (const auto* u : units) {
        allowed.insert(u->kernel_file());
        allowed.insert("solution/" + u->kernel_file());
        for (const auto& c : u->manifest.controls) {
            allowed.insert(c.file);
            if (!fs::is_regular_file(u->dir / c.file)) missing.push_back(c.file);
        }
        if (u->track != "basics" && !fs::is_regular_file(u->solution_path())) missing.push_back("solution/" + u->kernel_file());
        // A custom exercise's float64 truth.
        if (u->manifest.custom) {
            allowed.insert(kReferenceFile);
            if (!fs::is_regular_file(u->dir / kReferenceFile)) missing.push_back(kReferenceFile);
        }
        // Worked examples: the .cu files of the entry's examples folder (bench --examples).
        if (auto ex = course::examples(*u))
            for (const auto& e : *ex) allowed.insert(e.rel);
    }
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(m.dir, ec); it != fs::recursive_directory_iterator(); ++it) {
        if (it->is_directory()) continue;
        std::string rel = fs::relative(it->path(), m.dir, ec).string();
        if (!allowed.count(rel)) stray.push_back(rel);
    }
    std::sort(stray.begin(), stray.end());
    const bool ok = stray.empty() && missing.empty();
    out.push_back(folder_item("files", "only module files", ok ? "as expected" : "differ", ok ? Status::Pass : Status::Fail,
                              fmt::format("{}{}", stray.empty() ? "" : fmt::format("stray: {}. ", fmt::join(stray, ", ")),
                                          missing.empty() ? "" : fmt::format("missing: {}", fmt::join(missing, ", ")))));
    return out;
}

std::vector<DevCheckItem> static_checks(const course::Module& m) {
    auto out = unit_checks(m);
    for (auto& it : folder_checks({&m})) out.push_back(std::move(it));
    return out;
}

namespace {

// A control's "diagnosis": a kernel that got its expected verdict fails the check when its
// report does not contain the words (engine/control_diagnosis.h).
DevCheckItem with_diagnosis(DevCheckItem it, const Grade& g, const std::string& diagnosis) {
    if (diagnosis.empty() || it.status != Status::Pass) return it;
    if (std::string missing = missing_diagnosis(failure_report(g), diagnosis); !missing.empty()) {
        it.status = Status::Fail;
        it.detail = std::move(missing);
    } else {
        it.detail += fmt::format("{}says \"{}\"", it.detail.empty() ? "" : "; ", diagnosis);
    }
    return it;
}

// What each sanitizer of a grade said ("racecheck clean", "racecheck did not finish within
// 120 s"), joined with "; ", after `detail`.
std::string with_sanitizers(std::string detail, const Grade& g) {
    for (const auto& run : g.sanitizer)
        detail += fmt::format("{}{} {}", detail.empty() ? "" : "; ", run.tool,
                              run.ran ? (run.findings.empty() ? "clean" : "found " + run.findings.front().what)
                                      : run.note);
    return detail;
}

DevCheckItem verdict_item(const course::Module& m, const std::string& what, const std::string& expect,
                          Grader& grader, const fs::path& file, const std::string& diagnosis = {}) {
    auto g = grader.grade(m, file);
    if (!g) return item(m, what, expect, "ERROR", Status::Fail, g.error().message);
    std::string got = grade::name(g->verdict);
    if (got == expect) {
        std::string detail;
        if (g->timing && g->verdict == Verdict::Passed)
            detail = fmt::format("{:.1f} us, {}", g->timing->kernel_ms * 1e3, g->speed_summary());
        else if (g->verdict != Verdict::Passed)
            detail = g->summary;  // why it failed, as its author meant it to
        if (g->verdict == Verdict::Passed) detail = with_sanitizers(std::move(detail), *g);
        for (const auto& note : g->notes) detail += (detail.empty() ? "" : "; ") + note;
        return with_diagnosis(item(m, what, expect, got, Status::Pass, detail), *g, diagnosis);
    }
    // Compiled but not run (no GPU): not a failure unless it should not have compiled, which
    // only a run can say when a vs_variant gate builds the file again.
    const bool variant_gate = std::any_of(m.manifest.pass.begin(), m.manifest.pass.end(),
                                          [](const auto& t) { return t.kind == grade::GateKind::VsVariant; });
    if (g->verdict == Verdict::Skipped && (expect != "COMPILE_ERROR" || variant_gate))
        return item(m, what, expect, "compiled, not run", Status::Skip, g->summary);
    // A kernel that passed where it must fail: what its sanitizers said tells whether one of them
    // missed the bug or never ran.
    return item(m, what, expect, got, Status::Fail,
                g->verdict == Verdict::Passed ? with_sanitizers(g->summary, *g) : g->summary);
}

}  // namespace

bool graded_with_timing(const course::Manifest& m, const std::string& expect, bool asked) {
    // In a gated module every verdict may be the gate's: PASSED and TOO_SLOW, and with a
    // vs_variant gate also COMPILE_ERROR and WRONG (the variant's build or answer).
    return asked || expect == "TOO_SLOW" || !m.pass.empty();
}

namespace {

// A custom exercise's reference.cpp builds into its library (every grade of the module needs it).
DevCheckItem reference_item(const course::Module& m, Grader& grader) {
    auto b = grader.build_reference(m);
    if (!b) return item(m, kReferenceFile, "builds", "ERROR", Status::Fail, b.error().message);
    if (!b->ok) return item(m, kReferenceFile, "builds", b->timed_out ? "TIMED_OUT" : "COMPILE_ERROR", Status::Fail,
                           b->summary);
    return item(m, kReferenceFile, "builds", "built", Status::Pass,
                fmt::format("{}{}", b->cache_hit ? "cached; " : "", b->compiler));
}

}  // namespace

std::vector<DevCheckItem> graded_checks(const course::Module& m, Grader& timed, Grader& untimed) {
    std::vector<DevCheckItem> out;
    const auto& mf = m.manifest;
    if (mf.custom) out.push_back(reference_item(m, timed));
    out.push_back(verdict_item(m, "starter " + m.kernel_file(), mf.starter,
                               graded_with_timing(mf, mf.starter, false) ? timed : untimed, m.kernel_path()));
    fs::path solution = m.solution_path();
    if (fs::is_regular_file(solution)) out.push_back(verdict_item(m, "solution", "PASSED", timed, solution));
    for (const auto& c : mf.controls)
        out.push_back(verdict_item(m, "control " + c.file, c.expect,
                                   graded_with_timing(mf, c.expect, c.timed) ? timed : untimed, m.dir / c.file,
                                   c.diagnosis));
    // Worked examples must be correct; not fast: a ladder starts below the module's speed gate
    // on purpose, so they are graded untimed (bench --examples times them).
    if (course::has_examples(m)) {
        auto ex = course::examples(m);
        if (!ex) out.push_back(item(m, "examples", "worked examples", "none", Status::Fail, ex.error().message));
        else
            for (const auto& e : *ex) out.push_back(verdict_item(m, "example " + e.rel, "PASSED", untimed, e.path));
    }
    return out;
}

}  // namespace kc::engine
