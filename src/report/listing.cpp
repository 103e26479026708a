// list and progress: every module on one line with its status; a module with parts has its
// parts indented under it, each with its own status (progress.json records parts by their ids).
#include <fmt/format.h>

#include <algorithm>

#include "progress/status.h"
#include "report/render.h"
#include "util/printable.h"

namespace kc::report {

using nlohmann::json;

namespace {

std::string status_text(const std::string& st) { return st == "not-started" ? "not started" : st; }

const char* status_color(const std::string& st) { return st == "passed" ? kGreen : st == "failed" ? kRed : kDim; }

progress::ModuleStatus recorded(const ProgressMap& p, const std::string& id) {
    auto it = p.find(id);
    return it == p.end() ? progress::ModuleStatus::not_attempted : it->second.status;
}

// Column widths that line up every row: the longest id (a part's counts its two more spaces of
// indent) and the longest title, each at least the usual width; a title is cut at kMaxTitle.
constexpr size_t kMaxTitle = 44;
struct Columns {
    size_t id, title;
};
Columns columns(const std::vector<course::ModuleGroup>& groups, Columns least) {
    Columns c = least;
    for (const auto& g : groups) {
        c.id = std::max(c.id, g.id().size());
        c.title = std::max(c.title, std::min(kMaxTitle, g.title().size()));
        if (!g.has_parts()) continue;
        for (const auto* u : g.units) {
            c.id = std::max(c.id, u->id.size() + 2);
            c.title = std::max(c.title, std::min(kMaxTitle, u->manifest.title.size()));
        }
    }
    return c;
}

std::string cut_title(const std::string& title) {
    return title.size() <= kMaxTitle ? printable(title) : printable(title.substr(0, kMaxTitle - 3)) + "...";
}

// "  optimization/03   Shared memory   " and its parts' rows, indented by two more.
std::string module_row(const Columns& c, const std::string& id, const std::string& title, bool part) {
    return fmt::format("{}{:<{}} {:<{}} ", part ? "    " : "  ", id, part ? c.id - 2 : c.id, cut_title(title), c.title);
}

}  // namespace

std::string status_of(const ProgressMap& p, const std::string& id) {
    const auto st = recorded(p, id);
    return st == progress::ModuleStatus::not_attempted ? "not-started" : std::string(progress::to_string(st));
}

std::string status_of(const ProgressMap& p, const course::ModuleGroup& g) {
    if (!g.has_parts()) return status_of(p, g.first().id);
    std::vector<progress::ModuleStatus> parts;
    for (const auto* u : g.units) parts.push_back(recorded(p, u->id));
    const auto st = progress::module_status(parts);
    return st == progress::ModuleStatus::not_attempted ? "not-started" : std::string(progress::to_string(st));
}

std::string list_text(const course::Course& c, const ProgressMap& p, const Style& s) {
    std::string out;
    std::string track;
    const Columns cols = columns(c.groups(), {22, 28});
    for (const auto& g : c.groups()) {
        if (g.first().track != track) {
            track = g.first().track;
            out += paint(s, kBold, track) + "\n";
        }
        const std::string st = status_of(p, g);
        out += module_row(cols, g.id(), g.title(), false) + paint(s, status_color(st), status_text(st)) + "\n";
        if (!g.has_parts()) continue;
        for (const auto* u : g.units) {
            const std::string pst = status_of(p, u->id);
            out += module_row(cols, u->id, u->manifest.title, true) + paint(s, status_color(pst), status_text(pst)) + "\n";
        }
    }
    return out;
}

json list_json(const course::Course& c, const ProgressMap& p) {
    json mods = json::array();
    for (const auto& g : c.groups()) {
        const auto& m = g.first();
        json e = {{"id", g.id()},   {"track", m.track},    {"number", m.number},         {"topic", m.topic},
                  {"title", g.title()}, {"path", m.rel_dir}, {"min_sm", m.manifest.min_sm}, {"status", status_of(p, g)}};
        if (!g.has_parts()) {
            e["exercise"] = m.manifest.exercise;
        } else {
            json parts = json::array();
            for (const auto* u : g.units)
                parts.push_back({{"id", u->id}, {"part", u->part}, {"title", u->manifest.title},
                                 {"exercise", u->manifest.exercise}, {"file", u->kernel_file()},
                                 {"status", status_of(p, u->id)}});
            e["parts"] = parts;
        }
        mods.push_back(e);
    }
    json broken = json::array();
    for (const auto& b : c.broken) broken.push_back({{"id", b.id}, {"path", b.rel_dir}, {"error", b.problem}});
    return {{"schema", kJsonSchema}, {"course", c.root.string()}, {"modules", mods}, {"broken", broken}};
}

namespace {

// The certificate's four tracks, with basics before them and any other track after; the bool
// says whether a track counts towards the certificate.
std::vector<std::pair<std::string, bool>> progress_tracks(const course::Course& c) {
    std::vector<std::pair<std::string, bool>> out;
    const auto& cert = course::certificate_tracks();
    const auto present = c.tracks();
    if (std::find(present.begin(), present.end(), "basics") != present.end()) out.emplace_back("basics", false);
    for (const auto& t : cert) out.emplace_back(t, true);
    for (const auto& t : present)
        if (t != "basics" && t != course::kPortfolioTrack && std::find(cert.begin(), cert.end(), t) == cert.end())
            out.emplace_back(t, false);
    return out;
}

// "  3 attempt(s), best 0.412 ms (78% of light)" for an entry with attempts, else "".
std::string attempts_text(const ProgressMap& p, const std::string& id) {
    auto it = p.find(id);
    if (it == p.end() || it->second.attempts == 0) return {};
    std::string out = fmt::format("  {} attempt(s)", it->second.attempts);
    if (const auto& best = it->second.best)
        out += fmt::format(", best {:.3f} ms{}", best->time_ms,
                           best->percent_of_light ? fmt::format(" ({:.0f}% of light)", *best->percent_of_light) : "");
    return out;
}

// One entry of progress --json: its status, attempts and best time.
json entry_json(const ProgressMap& p, const std::string& id, const std::string& title, const std::string& status) {
    json e = {{"id", id}, {"title", title}, {"status", status}};
    if (auto it = p.find(id); it != p.end()) {
        e["attempts"] = it->second.attempts;
        if (it->second.best) {
            e["best_time_ms"] = it->second.best->time_ms;
            if (it->second.best->percent_of_light) e["best_percent_of_light"] = *it->second.best->percent_of_light;
            e["best_device"] = it->second.best->device;
        }
    }
    return e;
}

// The rows of a track's modules: each module, and a module's parts under it.
std::string module_rows(const std::vector<course::ModuleGroup>& mods, const ProgressMap& p, const Columns& cols,
                        const Style& s) {
    std::string out;
    for (const auto& g : mods) {
        const std::string st = status_of(p, g);
        out += module_row(cols, g.id(), g.title(), false) + paint(s, status_color(st), status_text(st)) +
               (g.has_parts() ? "" : attempts_text(p, g.id())) + "\n";
        if (!g.has_parts()) continue;
        for (const auto* u : g.units) {
            const std::string pst = status_of(p, u->id);
            out += module_row(cols, u->id, u->manifest.title, true) + paint(s, status_color(pst), status_text(pst)) +
                   attempts_text(p, u->id) + "\n";
        }
    }
    return out;
}

int passed_in(const std::vector<course::ModuleGroup>& mods, const ProgressMap& p) {
    int done = 0;
    for (const auto& g : mods) done += status_of(p, g) == "passed";
    return done;
}

}  // namespace

std::string progress_text(const course::Course& c, const ProgressMap& p, const Style& s) {
    std::string out;
    int total = 0, passed = 0;
    const Columns cols = columns(c.groups(), {22, 26});
    for (const auto& [track, counted] : progress_tracks(c)) {
        const auto mods = c.groups(track);
        const int done = passed_in(mods, p);
        if (counted) {
            total += static_cast<int>(mods.size());
            passed += done;
        }
        const int width = 20;
        const int fill = mods.empty() ? 0 : done * width / static_cast<int>(mods.size());
        std::string note = !counted ? "  (not counted)" : mods.empty() ? "  (no modules yet)" : "";
        out += fmt::format("{:<18} [{}{}] {}/{}{}\n", track, std::string(fill, '#'), std::string(width - fill, '.'),
                           done, mods.size(), paint(s, kDim, note));
        out += module_rows(mods, p, cols, s);
    }
    out += paint(s, kBold, fmt::format("{}/{} modules of the certificate passed", passed, total)) + "\n";
    // The learner's own modules, apart: they are theirs, not the course's.
    if (const auto own = c.groups(course::kPortfolioTrack); !own.empty()) {
        out += fmt::format("\n{} {}/{} passed{}\n", paint(s, kBold, "Your portfolio"), passed_in(own, p), own.size(),
                           paint(s, kDim, "  (your own modules, `kernelcoach new`; not part of the certificate)"));
        out += module_rows(own, p, cols, s);
    }
    return out;
}

namespace {

// The modules of a track, as progress --json lists them.
json modules_json(const std::vector<course::ModuleGroup>& groups, const ProgressMap& p) {
    json mods = json::array();
    for (const auto& g : groups) {
        const std::string st = status_of(p, g);
        if (!g.has_parts()) {
            mods.push_back(entry_json(p, g.id(), g.title(), st));
            continue;
        }
        json parts = json::array();
        for (const auto* u : g.units) {
            json e = entry_json(p, u->id, u->manifest.title, status_of(p, u->id));
            e["part"] = u->part;
            parts.push_back(e);
        }
        mods.push_back({{"id", g.id()}, {"title", g.title()}, {"status", st}, {"parts", parts}});
    }
    return mods;
}

}  // namespace

json progress_json(const course::Course& c, const ProgressMap& p) {
    json tracks = json::array();
    int total = 0, passed = 0;
    for (const auto& [track, counted] : progress_tracks(c)) {
        const auto groups = c.groups(track);
        const int done = passed_in(groups, p);
        if (counted) {
            total += static_cast<int>(groups.size());
            passed += done;
        }
        tracks.push_back({{"track", track}, {"certificate", counted}, {"passed", done}, {"modules", modules_json(groups, p)}});
    }
    const auto own = c.groups(course::kPortfolioTrack);
    return {{"schema", kJsonSchema},
            {"passed", passed},
            {"total", total},
            {"tracks", tracks},
            {"portfolio", {{"passed", passed_in(own, p)}, {"modules", modules_json(own, p)}}}};
}

}  // namespace kc::report
