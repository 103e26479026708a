// kernelcoach tune <id>: the kernel's tunables (`#ifndef NAME` defaults with candidate values
// from `// tune:` lines and module.json), every variant built with -D values (in parallel
// processes, into the compile cache), then each checked on every case and timed on the timed
// case, one at a time on the GPU; a table by time, the invalid variants with their reason,
// --write to put the winner's values into the file, --last for the last run on each GPU.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <random>
#include <thread>

#include "cli/app.h"
#include "tune/last.h"
#include "tune/processes.h"
#include "tune/rewrite.h"
#include "tune/table.h"
#include "tune/tunables.h"
#include "util/atomic_file.h"
#include "util/printable.h"

namespace kc::cli {

namespace {

struct TuneOptions {
    std::string id;
    bool write = false;
    bool last = false;
    std::optional<uint64_t> seed;
    std::optional<double> timeout_s;
    std::optional<double> compile_timeout_s;
    std::string arch;
    std::string file;  // tune this file instead of the module's kernel.cu
};

// What every variant's Grader shares: bench's measuring (checked on every case, then timed on
// the timed case; no sanitizers, no speed gate), one seed for all, so they see the same inputs.
Result<engine::Options> variant_options(const course::Module& m, const TuneOptions& o) {
    GradeFlags f;
    f.seed = o.seed;
    f.compile_timeout_s = o.compile_timeout_s;
    f.arch = o.arch;
    auto opts = grade_options(f);
    if (!opts) return opts;
    if (!opts->seed) opts->seed = std::random_device{}();
    opts->timeout_s = o.timeout_s ? o.timeout_s : std::optional<double>(m.manifest.timeout_s * 2.0);
    opts->bench = true;
    opts->racecheck = false;
    opts->memcheck = false;
    return opts;
}

// Builds every variant in parallel processes, for the GPU this machine has, so that grading
// them one by one finds each in the compile cache.
void prebuild(const Session& s, const course::Module& m, const std::filesystem::path& source,
              const std::vector<tune::Variant>& variants, engine::Options opts) {
    if (variants.size() < 2) return;
    engine::Grader(s.course, opts).device();  // probed once here, remembered for the copies
    opts.stop_after_compile = true;
    const size_t cores = std::max(1u, std::thread::hardware_concurrency());
    tune::in_processes(variants.size(), cores, [&](size_t i) {
        engine::Options mine = opts;
        mine.defines = variants[i].options();
        (void)engine::Grader(s.course, mine).grade(m, source);
    });
}

// "tuning 5/12: BM=64 BN=128" on stderr: rewritten in place on a terminal, a line each elsewhere.
void show_progress(bool tty, size_t done, size_t total, const tune::Variant& v) {
    const std::string line = tune::progress_line(done, total, v);
    if (tty) std::cerr << "\r\033[K" << printable(line) << std::flush;
    else std::cerr << printable(line) << "\n";
}

std::string header_text(const course::Module& m, const std::string& file, const std::vector<tune::Tunable>& ts,
                        const tune::Variants& vs) {
    std::string out =
        fmt::format("tune {}: {} variant{} of {}\n", m.id, vs.list.size(), vs.list.size() == 1 ? "" : "s", file);
    for (const auto& t : ts)
        out += fmt::format("  {}: {} (default {}, line {})\n", t.name, fmt::join(t.values, ", "), t.default_text,
                           t.define_line);
    return out + "\n";
}

nlohmann::json tunables_json(const std::vector<tune::Tunable>& ts) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& t : ts)
        out.push_back({{"name", t.name}, {"default", t.default_text}, {"line", t.define_line}, {"values", t.values}});
    return out;
}

std::string backup_stamp() {
    std::string s = tune::utc_now();
    s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == ':' || c == '-'; }), s.end());
    return s;
}

// The file tuned: the module's kernel.cu, or the one --file names; `shown` is its name in messages.
struct TunedFile {
    std::filesystem::path path;
    std::string shown;
};

// --write: the winner's values into the file, the file as it was kept under
// .kernelcoach/backups/. Says what it did, on stdout (stderr with --json).
Status write_winner(const Session& s, const course::Module& m, const TunedFile& f, const std::string& tuned_text,
                    const std::vector<tune::Tunable>& ts, const tune::Table& t) {
    std::ostream& say = s.json ? std::cerr : std::cout;
    const auto* w = t.winner();
    if (!w) {
        say << fmt::format("--write: nothing was measured, so {} is unchanged\n", f.shown);
        return Ok{};
    }
    if (w->variant.is_default()) {
        say << fmt::format("--write: your defaults are the fastest; {} is unchanged\n", f.shown);
        return Ok{};
    }
    auto now = read_file(f.path);
    if (!now) return now.error();
    if (*now != tuned_text)
        return make_error(fmt::format("{} changed while tuning, so the winner was not written", f.shown),
                          "run tune again");
    auto next = tune::write_values(tuned_text, ts, w->variant.defines);
    if (!next) return next.error();
    auto backup = write_file_new(s.course.root / ".kernelcoach" / "backups" / m.track / m.folder /
                                     (f.path.filename().string() + "." + backup_stamp()),
                                 tuned_text);
    if (!backup) return backup.error();
    if (auto st = write_file_atomic(f.path, *next); !st) return st;
    std::error_code ec;
    say << fmt::format("--write: {} now defines {}; your file is kept as {}\n", f.shown, w->variant.label(),
                       std::filesystem::relative(*backup, s.course.root, ec).string());
    return Ok{};
}

int show_last(const Session& s, const course::Module& m) {
    auto runs = tune::load_last(tune::last_path(s.course.root, m.id));
    if (!runs) return fail(runs.error(), grade::exit_code::kInternal);
    if (s.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& r : *runs) list.push_back({{"uuid", r.uuid}, {"device", r.device}, {"when", r.when}, {"tune", r.table}});
        std::cout << nlohmann::json{{"schema", report::kJsonSchema}, {"module", m.id}, {"last", list}}.dump(2) << "\n";
        return 0;
    }
    if (runs->empty()) {
        std::cout << fmt::format("{}: no tune result recorded yet: run `kernelcoach tune {}` on a GPU\n", m.id, m.id);
        return 0;
    }
    for (const auto& r : *runs) {
        auto t = tune::table_from_json(r.table);
        if (!t) return fail(make_error("the tune record of " + m.id + " is damaged: " + t.error().message), grade::exit_code::kInternal);
        std::vector<std::string> names;
        if (!r.table.contains("variants") || r.table["variants"].empty()) continue;
        for (const auto* list : {&t->ranked, &t->skipped, &t->invalid})
            for (const auto& o : *list)
                for (const auto& [n, v] : o.variant.defines)
                    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
        std::cout << fmt::format("{} on {} ({}), {}:\n", m.id, r.device, r.uuid, r.when) << tune::table_text(*t, names) << "\n";
    }
    return 0;
}

int run_tune(const Global& g, const TuneOptions& o) {
    auto s = open_session(g);
    if (!s) return fail(s.error(), grade::exit_code::kUsage);
    auto units = s->course.resolve_units(o.id);
    if (!units) return fail(units.error(), unresolved_code(s->course, {o.id}));
    if (units->size() > 1)
        return fail(make_error(fmt::format("tune tunes one kernel, and {} has {} parts", units->front()->module_id(),
                                           units->size()),
                               "name the part: " + units->front()->id + ", ..."),
                    grade::exit_code::kUsage);
    const course::Module& m = *units->front();
    if (o.last) return show_last(*s, m);

    const TunedFile tuned = o.file.empty() ? TunedFile{m.kernel_path(), m.rel_kernel()} : TunedFile{o.file, o.file};
    const auto& source = tuned.path;
    auto text = read_file(source);
    if (!text) return fail(text.error(), grade::exit_code::kUsage);
    auto tunables = tune::find_tunables(*text, m.manifest.tune, tuned.path.filename().string());
    if (!tunables) return fail(tunables.error(), grade::exit_code::kUsage);
    const tune::Variants vs = tune::variants(*tunables);
    auto opts = variant_options(m, o);
    if (!opts) return fail(opts.error(), grade::exit_code::kUsage);

    const bool tty = !s->json && ::isatty(STDERR_FILENO);
    if (!s->json) std::cout << header_text(m, o.file.empty() ? m.kernel_file() : o.file, *tunables, vs) << std::flush;
    prebuild(*s, m, source, vs.list, *opts);
    std::vector<tune::Outcome> outcomes;
    engine::DeviceStatus device;
    for (size_t i = 0; i < vs.list.size(); ++i) {
        if (!s->json) show_progress(tty, i + 1, vs.list.size(), vs.list[i]);
        engine::Options mine = *opts;
        mine.defines = vs.list[i].options();
        engine::Grader grader(s->course, mine);
        auto gr = grader.grade(m, source);
        // A variant the learner got wrong is a row; kernelcoach failing is not the variant's.
        if (!gr) return fail(gr.error(), grade::exit_code::kInternal);
        outcomes.push_back(tune::outcome_of(vs.list[i], *gr));
        device = grader.device();
    }
    if (tty) std::cerr << "\n";
    const tune::Table table = tune::rank(std::move(outcomes), vs.skipped);
    if (table.winner() && device.available && !device.device.uuid.empty())
        if (auto st = tune::save_last(tune::last_path(s->course.root, m.id), m.id,
                                      {device.device.uuid, device.device.name, tune::utc_now(), tune::table_json(table)});
            !st)
            print_error(st.error());  // the table is still right; only --last loses it

    std::vector<std::string> names;
    for (const auto& t : *tunables) names.push_back(t.name);
    if (s->json) {
        nlohmann::json j = {{"schema", report::kJsonSchema}, {"module", m.id}, {"device", report::device_json(device)},
                            {"tunables", tunables_json(*tunables)}, {"tune", tune::table_json(table)}};
        if (m.is_part()) j["part"] = m.part;
        std::cout << j.dump(2) << "\n";
    } else {
        std::cout << tune::table_text(table, names) << tune::unchecked_gates_note(m.manifest.pass);
    }
    if (o.write)
        if (auto st = write_winner(*s, m, tuned, *text, *tunables, table); !st)
            return fail(st.error(), grade::exit_code::kInternal);
    // Failed only when no variant could be used at all; a table with some invalid rows is a result.
    return table.ranked.empty() && table.skipped.empty() ? grade::exit_code::kFailed : grade::exit_code::kPassed;
}

}  // namespace

void setup_tune(CLI::App& app, Global& g, Action& action) {
    auto o = std::make_shared<TuneOptions>();
    auto* cmd = app.add_subcommand(
        "tune",
        "Try every combination of a kernel's tunables (`#ifndef NAME` defaults, with values from `// tune: NAME=16,32` "
        "lines and module.json): each checked, then timed; a table by time (progress is not recorded)");
    cmd->add_option("id", o->id, "The module (or one part of a module with parts): fixtures/16, ...")->required();
    cmd->add_flag("--write", o->write,
                  "Put the fastest variant's values into the file's #define lines (the file is kept under "
                  ".kernelcoach/backups/)");
    cmd->add_flag("--last", o->last, "Show the last tune result on each GPU instead of tuning");
    cmd->add_option("--file", o->file, "Tune this file instead of the module's kernel.cu (--write writes into it)")
        ->check(CLI::ExistingFile);
    add_seed_option(cmd, o->seed, "Seed of the random inputs (every variant sees the same)");
    add_timeout_option(cmd, "--timeout", o->timeout_s, "Seconds each variant may run (default: twice the manifest's)");
    add_timeout_option(cmd, "--compile-timeout", o->compile_timeout_s, "Seconds NVRTC may compile one variant (default 60)");
    cmd->add_option("--arch", o->arch, "Compile for this architecture when there is no GPU (sm_90, 90; sm_90a)");
    cmd->callback([&g, o, &action] { action = [&g, o] { return run_tune(g, *o); }; });
}

}  // namespace kc::cli
