#include "course/course.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
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
            // A module folder that is a link out of tracks/ is refused, never followed.
            fs::path real = fs::canonical(mentry.path(), ec);
            if (ec || !inside(real, tracks))
                return make_error(fmt::format("tracks/{}/{} points outside tracks/; refusing it",
                                              track, folder));
            std::string rel = fmt::format("tracks/{}/{}", track, folder);
            fs::path manifest_path = real / "module.json";
            if (!fs::is_regular_file(manifest_path))
                return make_error(rel + "/module.json: missing (every module folder needs one)");
            auto text = read_file(manifest_path);
            if (!text) return text.error();
            auto manifest = parse_manifest(*text, rel + "/module.json");
            if (!manifest) return manifest.error();
            Module mod;
            mod.track = track;
            mod.number = std::stoi(m[1].str());
            mod.topic = m[2].str();
            mod.folder = folder;
            mod.id = track + "/" + two_digits(mod.number);
            mod.dir = real;
            mod.rel_dir = rel;
            mod.manifest = std::move(*manifest);
            course.modules.push_back(std::move(mod));
        }
    }
    if (ec) return make_error("cannot list " + tracks.string() + ": " + ec.message());
    std::sort(course.modules.begin(), course.modules.end(), [](const Module& a, const Module& b) {
        if (track_rank(a.track) != track_rank(b.track)) return track_rank(a.track) < track_rank(b.track);
        if (a.track != b.track) return a.track < b.track;
        return a.number < b.number;
    });
    for (size_t i = 1; i < course.modules.size(); ++i)
        if (course.modules[i].id == course.modules[i - 1].id)
            return make_error(fmt::format("{} and {} have the same id {}", course.modules[i - 1].rel_dir,
                                          course.modules[i].rel_dir, course.modules[i].id));
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

Result<const Module*> Course::resolve(const std::string& raw) const {
    std::string id = raw;
    if (id.rfind("./", 0) == 0) id = id.substr(2);
    if (id.rfind("tracks/", 0) == 0) id = id.substr(7);
    while (!id.empty() && id.back() == '/') id.pop_back();

    std::vector<const Module*> hits;
    for (const auto& m : modules)
        if (id == m.id || id == m.long_id()) return &m;
    for (const auto& m : modules)
        if (id == m.topic) hits.push_back(&m);
    if (hits.empty()) {
        auto t = in_track(id);
        if (t.size() == 1) return t.front();
        if (t.size() > 1)
            return make_error(fmt::format("'{}' is a track of {} modules; name one", raw, t.size()),
                              fmt::format("for example: {}", t.front()->id));
    }
    if (hits.size() == 1) return hits.front();
    if (hits.size() > 1) {
        std::vector<std::string> ids;
        for (auto* h : hits) ids.push_back(h->id);
        return make_error(fmt::format("'{}' names {} modules", raw, hits.size()),
                          fmt::format("name one of: {}", fmt::join(ids, ", ")));
    }

    std::vector<std::string> candidates;
    for (const auto& m : modules) {
        candidates.push_back(m.id);
        candidates.push_back(m.long_id());
        candidates.push_back(m.topic);
    }
    auto near = spelling_suggestions(id, candidates);
    std::string detail = near.empty()
                             ? "kernelcoach list shows every module."
                             : fmt::format("did you mean {}?", fmt::join(near, " or "));
    return make_error(fmt::format("no module '{}'", raw), detail);
}

}  // namespace kc::course
