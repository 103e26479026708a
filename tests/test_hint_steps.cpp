// Every step of every starter: the solution's elements are filled into the starter one by one
// (TODO(1), then TODO(1-2), ...), each partial kernel is compiled with NVRTC, and the hint that
// `kernelcoach hint` picks for it must be about the next missing element: the compile hint of
// the first element from there on that a compile hint covers while the file does not compile,
// the wrong-answer hint likewise once it compiles. The same again with the TODO comments of the
// elements done deleted, and with every TODO comment deleted, where only the starter's
// structure can tell.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "course/course.h"
#include "course/hint_align.h"
#include "course/hint_choice.h"
#include "course/hint_map.h"
#include "engine/grader.h"
#include "support/cli.h"

namespace kc::test {
namespace {

namespace fs = std::filesystem;
using course::SourceLine;

// What the splice compares: the code, without the braces at its ends ("" for none).
std::string bare(const SourceLine& l) {
    auto first = l.code.find_first_not_of("{} ");
    if (first == std::string::npos) return "";
    return l.code.substr(first, l.code.find_last_not_of("{} ") - first + 1);
}

int brace_balance(const std::string& code) {
    return static_cast<int>(std::count(code.begin(), code.end(), '{') - std::count(code.begin(), code.end(), '}'));
}

// The elements a solution line fills: its own `// element N` comment, else those of the
// comment block above it (`// elements 7-8, ...`); a block without one clears them.
std::vector<std::set<int>> solution_labels(const std::vector<SourceLine>& lines) {
    static const std::regex label(R"(^elements?\s+(\d+)(?:\s*-\s*(\d+))?)");
    auto labels = [](const std::string& comment) {
        std::set<int> out;
        std::smatch m;
        if (std::regex_search(comment, m, label))
            for (int n = std::stoi(m[1].str()); n <= std::stoi(m[m[2].matched ? 2 : 1].str()); ++n) out.insert(n);
        return out;
    };
    std::vector<std::set<int>> out(lines.size());
    std::set<int> current, block;
    bool in_block = false;
    for (size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].code.empty() && !lines[i].comment.empty()) {
            if (!in_block) block.clear();
            block.merge(labels(lines[i].comment));
            in_block = true;
            continue;
        }
        if (in_block) current = block;
        in_block = false;
        auto own = labels(lines[i].comment);
        out[i] = own.empty() ? current : own;
    }
    return out;
}

// The starter with some of its elements filled in from the solution. Lines of code are
// matched between the two; each stretch where they differ is cut along the solution's element
// comments, and each piece replaces the starter lines its TODO governs (or goes right under
// its TODO comment). Elements written on one line of the solution (extern "C" __global__ void
// f(const float* a, ...)) are filled together.
class Splice {
public:
    Splice(const std::string& starter, const std::string& solution)
        : map_(starter), solution_(course::read_lines(solution)) {
        const auto labels = solution_labels(solution_);
        std::vector<int> si, li;
        std::vector<std::string> sk, lk;
        for (int i = 0; i < static_cast<int>(map_.lines().size()); ++i)
            if (!bare(map_.lines()[i]).empty()) si.push_back(i), sk.push_back(bare(map_.lines()[i]));
        for (int i = 0; i < static_cast<int>(solution_.size()); ++i)
            if (!bare(solution_[i]).empty()) li.push_back(i), lk.push_back(bare(solution_[i]));
        auto match = course::match_lines(sk, lk);
        int ps = -1, pl = -1;
        for (size_t k = 0; k <= match.size(); ++k) {
            if (k < match.size() && match[k] < 0) continue;
            const int s = k < match.size() ? static_cast<int>(k) : static_cast<int>(si.size());
            const int l = k < match.size() ? match[k] : static_cast<int>(li.size());
            std::vector<int> dels(si.begin() + ps + 1, si.begin() + s), ins(li.begin() + pl + 1, li.begin() + l);
            cut(dels, ins, labels);
            ps = s;
            pl = l;
        }
    }

    std::string error;  // why the solution could not be cut into elements

    // Groups of elements filled together, in TODO order.
    std::vector<std::set<int>> groups() const {
        std::vector<std::set<int>> out;
        for (const auto& e : edits_) out.push_back(e.elements);
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return out;
    }

    // Which TODO comments a learner deletes: none, those of the elements done, or all.
    enum class Todos { kept, done_deleted, deleted };

    std::string text(const std::set<int>& applied, Todos todos) const {
        std::set<int> deleted;
        std::map<int, std::vector<std::string>> inserted;
        for (const auto& e : edits_) {
            if (!std::includes(applied.begin(), applied.end(), e.elements.begin(), e.elements.end())) continue;
            deleted.insert(e.deleted.begin(), e.deleted.end());
            auto& at = inserted[e.before];
            at.insert(at.end(), e.lines.begin(), e.lines.end());
        }
        std::string out;
        bool in_todo = false;
        const int n = static_cast<int>(map_.lines().size());
        for (int i = 0; i <= n; ++i) {
            for (const auto& l : inserted[i]) out += l + "\n";
            if (i == n || deleted.count(i)) continue;
            const auto& sl = map_.lines()[i];
            const bool comment_line = sl.code.empty() && !sl.comment.empty();
            const bool strip = sl.marker > 0 && (todos == Todos::deleted ||
                                                 (todos == Todos::done_deleted && applied.count(sl.marker)));
            in_todo = comment_line && (strip || (in_todo && sl.marker == 0));
            if (in_todo) continue;
            std::string line = sl.text;
            if (strip) line = std::regex_replace(line, std::regex(R"(\s*//.*$)"), "");
            out += line + "\n";
        }
        return out;
    }

private:
    struct Edit {
        std::set<int> elements;
        std::set<int> deleted;       // starter lines
        int before = 0;              // the starter line the new lines go in front of
        std::vector<std::string> lines;
    };

    // The line right under the comment block of TODO(t).
    int under_todo(int t) const {
        int i = 0;
        while (i < static_cast<int>(map_.lines().size()) && map_.lines()[i].marker != t) ++i;
        while (i + 1 < static_cast<int>(map_.lines().size()) && map_.lines()[i + 1].code.empty() &&
               !map_.lines()[i + 1].comment.empty() && map_.lines()[i + 1].marker == 0)
            ++i;
        return i + 1;
    }

    void cut(const std::vector<int>& dels, const std::vector<int>& ins, const std::vector<std::set<int>>& labels) {
        std::vector<std::pair<std::set<int>, std::vector<int>>> pieces;
        for (int l : ins) {
            if (labels[l].empty()) error += fmt::format("solution line {} has no element comment\n", l + 1);
            if (pieces.empty() || pieces.back().first != labels[l]) pieces.push_back({labels[l], {}});
            pieces.back().second.push_back(l);
        }
        std::vector<std::pair<std::set<int>, std::vector<int>>> split;
        for (auto& [elements, lines] : pieces) {
            const bool one_each = elements.size() > 1 && elements.size() == lines.size() &&
                                  *elements.rbegin() - *elements.begin() + 1 == static_cast<int>(lines.size());
            if (!one_each) {
                split.push_back({elements, lines});
                continue;
            }
            int k = 0;
            for (int e : elements) split.push_back({{e}, {lines[k++]}});
        }
        std::set<int> used;
        for (auto& [elements, lines] : split) add_edit(elements, lines, dels, used);
        for (int d : dels)
            if (!used.count(d)) error += fmt::format("starter line {} belongs to no element of the solution\n", d + 1);
    }

    void add_edit(const std::set<int>& elements, const std::vector<int>& lines, const std::vector<int>& dels,
                  std::set<int>& used) {
        if (elements.empty()) return;
        Edit e{elements, {}, 0, {}};
        int balance = 0;
        for (int d : dels)
            if (elements.count(map_.governing(d))) e.deleted.insert(d), balance += brace_balance(map_.lines()[d].code);
        used.insert(e.deleted.begin(), e.deleted.end());
        e.before = e.deleted.empty() ? under_todo(*elements.begin()) : *e.deleted.begin();
        for (int l : lines) e.lines.push_back(solution_[l].text), balance -= brace_balance(solution_[l].code);
        // Keep the braces of the starter: `if () {` filled by a one-line `if (c)` keeps its `{`.
        for (; balance > 0; --balance) e.lines.back() += " {";
        for (; balance < 0; ++balance) e.lines.back() += " }";
        edits_.push_back(std::move(e));
    }

    course::StarterMap map_;
    std::vector<SourceLine> solution_;
    std::vector<Edit> edits_;
};

struct ModuleFiles {
    std::string name;  // "missing-elements/module-01-vector-add"
    std::string starter, solution, hints;
};

std::vector<std::string> modules_with_todos() {
    std::vector<std::string> out;
    for (auto& e : fs::recursive_directory_iterator(source_dir() / "tracks")) {
        if (e.path().filename() != "kernel.cu" || e.path().parent_path().filename() == "solution") continue;
        const fs::path dir = e.path().parent_path();
        if (fs::exists(dir / "solution/kernel.cu") && read_text(e.path()).find("TODO(1)") != std::string::npos)
            out.push_back(fs::relative(dir, source_dir() / "tracks").string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

ModuleFiles module_files(const std::string& name) {
    const fs::path dir = source_dir() / "tracks" / name;
    return {name, read_text(dir / "kernel.cu"), read_text(dir / "solution/kernel.cu"), read_text(dir / "hints.md")};
}

std::string code_of(const std::string& text, bool braces) {
    std::string out;
    for (const auto& l : course::read_lines(text)) {
        std::string c = braces ? l.code : bare(l);
        if (!c.empty()) out += c + "\n";
    }
    return out;
}

class HintSteps : public ::testing::TestWithParam<std::string> {};

TEST_P(HintSteps, TheSpliceGoesFromTheStarterToTheSolution) {
    const auto m = module_files(GetParam());
    Splice splice(m.starter, m.solution);
    ASSERT_TRUE(splice.error.empty()) << splice.error;
    std::set<int> all;
    for (const auto& g : splice.groups()) all.insert(g.begin(), g.end());
    const auto elements = course::StarterMap(m.starter).elements();
    EXPECT_EQ(std::vector<int>(all.begin(), all.end()), elements);
    EXPECT_EQ(code_of(splice.text({}, Splice::Todos::kept), true), code_of(m.starter, true));
    EXPECT_EQ(code_of(splice.text(all, Splice::Todos::kept), false), code_of(m.solution, false));
}

// The hint for a file missing `next` and everything after it, in TODO order.
const course::Hint* expected_hint(const std::vector<course::Hint>& hints, const course::HintQuery& q, int next,
                                  int last) {
    for (int e = next; e <= last; ++e)
        if (const auto* h = course::hint_for(hints, q.compiled ? "wrong-answer" : "compile", e)) return h;
    return nullptr;
}

std::string describe(const course::HintQuery& q) {
    if (q.compiled) return "compiles";
    std::string out = "does not compile:";
    for (size_t i = 0; i < std::min<size_t>(q.errors.size(), 4); ++i)
        out += fmt::format(" [{}: {}]", q.errors[i].line, q.errors[i].message.substr(0, 60));
    return out;
}

// One partial kernel: the elements before `next` filled in.
struct Step {
    std::string source;
    Splice::Todos todos = Splice::Todos::kept;
    int next = 0;           // the first element missing; one past the last when none is
};

std::vector<Step> steps_of(const ModuleFiles& m, int last) {
    Splice splice(m.starter, m.solution);
    EXPECT_TRUE(splice.error.empty()) << splice.error;
    std::vector<Step> out;
    std::set<int> applied;
    auto groups = splice.groups();
    groups.push_back({});  // the last step: the whole solution
    for (const auto& group : groups) {
        for (auto todos : {Splice::Todos::kept, Splice::Todos::done_deleted, Splice::Todos::deleted})
            out.push_back({splice.text(applied, todos), todos, group.empty() ? last + 1 : *group.begin()});
        applied.insert(group.begin(), group.end());
    }
    return out;
}

// A copy of the course, and the module's partial kernels compiled as `kernelcoach hint` does.
class StepCompiler {
public:
    explicit StepCompiler(const std::string& name) {
        copy_course(source_dir(), dir_.path());
        auto c = course::load_course(dir_.path());
        EXPECT_TRUE(c) << c.error().message;
        if (c) course_ = std::move(*c);
        auto m = course_.resolve(name);
        EXPECT_TRUE(m) << m.error().message;
        if (m) module_ = *m;
    }
    const fs::path& root() const { return dir_.path(); }

    course::HintQuery query(const std::string& starter, const std::string& source) {
        course::HintQuery q{starter, source, false, {}, {}};
        const fs::path file = dir_.path() / "step.cu";
        write_text(file, source);
        engine::Options opts;
        opts.use_gpu = false;
        auto g = engine::Grader(course_, opts).grade(*module_, file);
        EXPECT_TRUE(g) << g.error().message;
        if (!g) return q;
        q.compiled = g->compiled;
        for (const auto& d : g->diagnostics)
            if (d.severity == "error" && d.file == "kernel.cu") q.errors.push_back({d.line, d.message});
        return q;
    }

private:
    TempDir dir_;
    course::Course course_;
    const course::Module* module_ = nullptr;
};

std::string step_name(const ModuleFiles& m, const Step& s, const course::HintQuery& q) {
    return fmt::format("{} {}{}: {}", m.name, s.next > 1 ? fmt::format("with TODO(1-{}) filled in", s.next - 1) : "untouched",
                       s.todos == Splice::Todos::kept           ? ""
                       : s.todos == Splice::Todos::done_deleted ? ", the TODO comments of those deleted"
                                                                : ", every TODO comment deleted",
                       describe(q));
}

std::string hint_name(const course::Hint* h) { return h ? fmt::format("hint {} ({})", h->number, h->title) : "none"; }

TEST_P(HintSteps, EveryStepGetsTheHintForTheNextMissingElement) {
    const auto m = module_files(GetParam());
    auto hints = course::parse_hints(m.hints, m.name + "/hints.md");
    ASSERT_TRUE(hints) << hints.error().message;
    const int last = course::StarterMap(m.starter).elements().back();
    StepCompiler compiler(m.name);
    for (const auto& step : steps_of(m, last)) {
        const auto q = compiler.query(m.starter, step.source);
        const auto* want = expected_hint(*hints, q, step.next, last);
        auto choice = course::choose_hint(*hints, q);
        const course::Hint* got = choice ? choice->hint : nullptr;
        EXPECT_EQ(got, want) << step_name(m, step, q) << "; " << hint_name(want) << " expected, got "
                             << hint_name(got);
    }
}

INSTANTIATE_TEST_SUITE_P(HintCourse, HintSteps, ::testing::ValuesIn(modules_with_todos()),
                         [](const auto& info) {
                             std::string n = info.param.substr(info.param.find("module-") + 7);
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

}  // namespace
}  // namespace kc::test

namespace kc::test {
namespace {

// The same through `kernelcoach --json hint`, for every step of vector add: the file in the
// module's place, the starter remembered from the untouched course.
TEST(HintStepsCli, EveryStepOfVectorAddGetsTheHintForTheNextMissingElement) {
    const auto m = module_files("missing-elements/module-01-vector-add");
    auto hints = course::parse_hints(m.hints, m.name + "/hints.md");
    ASSERT_TRUE(hints) << hints.error().message;
    const int last = course::StarterMap(m.starter).elements().back();
    StepCompiler compiler(m.name);
    auto kc = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {"--course", compiler.root().string()});
        return run_cli(args);
    };
    ASSERT_EQ(kc({"list"}).exit_code, 0);  // remembers the untouched starters
    for (const auto& step : steps_of(m, last)) {
        const auto q = compiler.query(m.starter, step.source);
        const auto* want = expected_hint(*hints, q, step.next, last);
        write_text(compiler.root() / "tracks" / m.name / "kernel.cu", step.source);
        auto r = kc({"--json", "hint", "vector-add"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        auto j = r.json();
        // A hint for the file as it is comes with the error it is for, or the element it is for.
        const bool fitting = j.contains("for_error") || j.contains("todo");
        const int got = fitting && j["hint"].is_object() ? j["hint"]["number"].get<int>() : 0;
        EXPECT_EQ(got, want ? want->number : 0) << step_name(m, step, q) << "; " << hint_name(want)
                                                << " expected, got " << r.out;
    }
}

}  // namespace
}  // namespace kc::test
