#include "course/course.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <regex>

#include "util/atomic_file.h"
#include "util/spell.h"

namespace kc::course {

namespace fs = std::filesystem;

const std::vector<std::string>& certificate_tracks() {
    static const std::vector<std::string> t = {"missing-elements", "optimization", "debugging",
                                               "mastery"};
    return t;
}

namespace {

int track_rank(const std::string& track) {
    if (track == "basics") return 0;
    const auto& t = certificate_tracks();
    auto it = std::find(t.begin(), t.end(), track);
    return it == t.end() ? 100 : 1 + static_cast<int>(it - t.begin());
}

bool inside(const fs::path& child, const fs::path& parent) {
    auto c = child.lexically_normal().string();
    auto p = parent.lexically_normal().string();
    if (!p.empty() && p.back() != '/') p += '/';
    return c.rfind(p, 0) == 0;
}

std::string two_digits(int n) { return fmt::format("{:02d}", n); }

}  // namespace

Result<fs::path> find_course_root(const fs::path& start) {
    std::error_code ec;
    fs::path dir = fs::weakly_canonical(fs::absolute(start), ec);
    if (ec) return make_error("cannot read folder " + start.string() + ": " + ec.message());
    for (fs::path d = dir;; d = d.parent_path()) {
        if (fs::is_directory(d / "tracks", ec)) return d;
        if (d == d.root_path() || d.empty()) break;
    }
    return make_error("no course found: neither " + dir.string() +
                          " nor any folder above it has a tracks/ folder",
                      "Run kernelcoach inside the course, or name it with --course DIR.");
}

namespace {

// One folder of tracks/<track>/ named like a module: its entries (itself, or one per part), or
// an Error that says why it cannot be loaded.
Result<std::vector<Module>> load_module(const fs::path& tracks, const std::string& track, const fs::path& folder_path,
                                        const std::smatch& name) {
    const std::string folder = folder_path.filename().string();
    std::string rel = fmt::format("tracks/{}/{}", track, folder);
    // A module folder that is a link out of tracks/ is refused, never followed.
    std::error_code ec;
    fs::path real = fs::canonical(folder_path, ec);
    if (ec || !inside(real, tracks)) return make_error(rel + " points outside tracks/; refusing it");
    fs::path manifest_path = real / "module.json";
    if (!fs::is_regular_file(manifest_path))
        return make_error(rel + "/module.json: missing (every module folder needs one)");
    auto text = read_file(manifest_path);
    if (!text) return text.error();
    auto manifest = parse_module_manifest(*text, rel + "/module.json");
    if (!manifest) return manifest.error();
    Module mod;
    mod.track = track;
    mod.number = std::stoi(name[1].str());
    mod.topic = name[2].str();
    mod.folder = folder;
    mod.id = track + "/" + two_digits(mod.number);
    mod.dir = real;
    mod.rel_dir = rel;
    mod.module_title = manifest->manifest.title;
    if (manifest->parts.empty()) {
        mod.manifest = std::move(manifest->manifest);
        return std::vector<Module>{std::move(mod)};
    }
    std::vector<Module> parts;
    for (auto& p : manifest->parts) {
        Module unit = mod;
        unit.id = mod.id + "/" + p.name;
        unit.part = p.name;
        unit.manifest = std::move(p.manifest);
        parts.push_back(std::move(unit));
    }
    return parts;
}

// Stable sorting keeps a module's parts in their manifest's order.
bool course_order(const Module& a, const Module& b) {
    if (track_rank(a.track) != track_rank(b.track)) return track_rank(a.track) < track_rank(b.track);
    if (a.track != b.track) return a.track < b.track;
    if (a.number != b.number) return a.number < b.number;
    return a.folder < b.folder;
}

// Two folders with one id (module-06-a and module-06-b): the first keeps it, the others are broken.
void break_duplicates(Course& course) {
    std::vector<Module> kept;
    std::string dropped;  // the folder being dropped, whose other parts follow
    for (auto& m : course.modules) {
        if (!kept.empty() && kept.back().module_id() == m.module_id() && kept.back().folder != m.folder) {
            if (m.folder != dropped)
                course.broken.push_back({m.module_id(), m.track, m.folder, m.rel_dir,
                                         fmt::format("{} has the same id {} as {}; rename one of the folders",
                                                     m.rel_dir, m.module_id(), kept.back().rel_dir)});
            dropped = m.folder;
            continue;
        }
        kept.push_back(std::move(m));
    }
    course.modules = std::move(kept);
}

}  // namespace

Result<Course> load_course(const fs::path& root_in) {
    std::error_code ec;
    fs::path root = fs::canonical(root_in, ec);
    if (ec) return make_error("cannot open course folder " + root_in.string() + ": " + ec.message());
    fs::path tracks = root / "tracks";
    if (!fs::is_directory(tracks)) return make_error(root.string() + " has no tracks/ folder");

    static const std::regex module_re(R"(module-(\d{2})-([a-z0-9][a-z0-9-]*))");
    Course course;
    course.root = root;
    for (const auto& tentry : fs::directory_iterator(tracks, ec)) {
        if (!tentry.is_directory()) continue;
        std::string track = tentry.path().filename().string();
        if (track.empty() || track[0] == '.' || track == "include") continue;
        for (const auto& mentry : fs::directory_iterator(tentry.path(), ec)) {
            std::string folder = mentry.path().filename().string();
            std::smatch m;
            if (!mentry.is_directory() || !std::regex_match(folder, m, module_re)) continue;
            auto mod = load_module(tracks, track, mentry.path(), m);
            if (mod) std::move(mod->begin(), mod->end(), std::back_inserter(course.modules));
            else course.broken.push_back({track + "/" + m[1].str(), track, folder,
                                          fmt::format("tracks/{}/{}", track, folder), mod.error().message});
        }
    }
    if (ec) return make_error("cannot list " + tracks.string() + ": " + ec.message());
    std::stable_sort(course.modules.begin(), course.modules.end(), course_order);
    break_duplicates(course);
    std::sort(course.broken.begin(), course.broken.end(),
              [](const BrokenModule& a, const BrokenModule& b) { return a.rel_dir < b.rel_dir; });
    return course;
}

std::vector<const Module*> Course::in_track(const std::string& track) const {
    std::vector<const Module*> out;
    for (const auto& m : modules)
        if (m.track == track) out.push_back(&m);
    return out;
}

std::vector<std::string> Course::tracks() const {
    std::vector<std::string> out;
    for (const auto& m : modules)
        if (std::find(out.begin(), out.end(), m.track) == out.end()) out.push_back(m.track);
    return out;
}

Status Course::check_track(const std::string& track) const {
    std::vector<std::string> known = {"basics"};
    for (const auto& t : certificate_tracks()) known.push_back(t);
    for (const auto& t : tracks())
        if (std::find(known.begin(), known.end(), t) == known.end()) known.push_back(t);
    if (std::find(known.begin(), known.end(), track) != known.end()) return Ok{};
    auto near = spelling_suggestions(track, known);
    return make_error(fmt::format("no track '{}'", track),
                      near.empty() ? fmt::format("the tracks are {}", fmt::join(known, ", "))
                                   : fmt::format("did you mean {}?", fmt::join(near, " or ")));
}

std::vector<ModuleGroup> Course::groups(const std::string& track) const {
    std::vector<ModuleGroup> out;
    for (const auto& m : modules) {
        if (!track.empty() && m.track != track) continue;
        if (out.empty() || out.back().first().folder != m.folder || out.back().first().track != m.track)
            out.push_back({});
        out.back().units.push_back(&m);
    }
    return out;
}

ModuleGroup Course::group_of(const Module& m) const {
    ModuleGroup g;
    for (const auto& other : modules)
        if (other.track == m.track && other.folder == m.folder) g.units.push_back(&other);
    return g;
}

}  // namespace kc::course
