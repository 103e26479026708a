// The course on disk: finding its root, discovering modules under tracks/, resolving ids.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "course/manifest.h"
#include "util/result.h"

namespace kc::course {

// What kernelcoach grades: a module, or one part of a module with parts (module.json "parts").
// A part looks like a module to the grader: its manifest is the module's fields merged with the
// part's, and its file is <part>.cu in the module folder instead of kernel.cu.
struct Module {
    std::string id;        // "missing-elements/01"; a part: "mastery/01/glu"
    std::string track;     // "missing-elements"
    int number = 0;        // 1
    std::string topic;     // "vector-add"
    std::string folder;    // "module-01-vector-add"
    std::filesystem::path dir;       // absolute path of the module folder
    std::string rel_dir;   // "tracks/missing-elements/module-01-vector-add"
    std::string part;      // the part's name ("glu"); empty for a module without parts
    std::string module_title;  // the module's title (a part's manifest.title is the part's own)
    Manifest manifest;

    bool is_part() const { return !part.empty(); }
    // The module this is (a plain module) or belongs to (a part): "mastery/01".
    std::string module_id() const { return part.empty() ? id : id.substr(0, id.size() - part.size() - 1); }
    // The learner's file: kernel.cu, or <part>.cu; the reference solution has the same name in solution/.
    std::string kernel_file() const { return part.empty() ? "kernel.cu" : part + ".cu"; }
    std::filesystem::path kernel_path() const { return dir / kernel_file(); }
    std::string rel_kernel() const { return rel_dir + "/" + kernel_file(); }
    std::filesystem::path solution_path() const { return dir / "solution" / kernel_file(); }
    std::string rel_solution() const { return rel_dir + "/solution/" + kernel_file(); }
    std::string long_id() const { return track + "/" + folder + (part.empty() ? "" : "/" + part); }
};

// A module as list and progress show it: the module and its graded units (itself, or its
// parts in order). Points into the Course it came from.
struct ModuleGroup {
    std::vector<const Module*> units;

    const Module& first() const { return *units.front(); }
    std::string id() const { return first().module_id(); }
    const std::string& title() const { return first().module_title; }
    bool has_parts() const { return first().is_part(); }
};

// A module folder that could not be loaded (no module.json, an invalid one, a link out of
// tracks/, an id another module has). The rest of the course works without it; a command that
// names it reports `problem`.
struct BrokenModule {
    std::string id;        // "missing-elements/06"
    std::string track;     // "missing-elements"
    std::string folder;    // "module-06-scratch"
    std::string rel_dir;   // "tracks/missing-elements/module-06-scratch"
    std::string problem;   // "tracks/.../module.json: missing (every module folder needs one)"
};

struct Course {
    std::filesystem::path root;  // holds tracks/ and .kernelcoach/
    // What is graded, in course order (basics, the four tracks, then any others): every module,
    // a module with parts as one entry per part, in the manifest's order.
    std::vector<Module> modules;
    std::vector<BrokenModule> broken;  // by folder

    // What `id` names: a module's one entry, every part of a module with parts (in order), or
    // one part. A module is named by "missing-elements/01", "missing-elements/module-01-vector-add",
    // "tracks/missing-elements/module-01-vector-add/", its topic "vector-add", or a track that
    // holds a single module ("basics"); a part by any of those followed by "/<part>"
    // ("mastery/01/glu"). Unknown ids get "did you mean".
    // Ids are looked up among discovered modules only, so no id reaches outside tracks/.
    // A broken module is not resolved: its error is the module's problem (see broken_named).
    Result<std::vector<const Module*>> resolve_units(const std::string& id) const;
    // The same for exactly one entry: a module without parts, or a part (a module with parts is
    // an error that names its parts).
    Result<const Module*> resolve(const std::string& id) const;
    // The broken module `id` names (its id or its folder, as resolve() reads them, or either
    // followed by "/<part>"), or nullptr.
    const BrokenModule* broken_named(const std::string& id) const;
    // The entries of a track, parts included.
    std::vector<const Module*> in_track(const std::string& track) const;
    // The modules, each with its entries, in course order (of one track, when given).
    std::vector<ModuleGroup> groups(const std::string& track = {}) const;
    // The module `m` is or belongs to, with all its entries.
    ModuleGroup group_of(const Module& m) const;
    std::vector<std::string> tracks() const;
    // An Error, with "did you mean", unless `track` is a track of this course or of the
    // certificate (which may have no modules yet).
    Status check_track(const std::string& track) const;
};

// The four tracks of the certificate, in order. `basics` comes before them and is not counted.
const std::vector<std::string>& certificate_tracks();
// The learner's own modules (`kernelcoach new`): a track apart, never counted in the certificate.
inline constexpr const char* kPortfolioTrack = "portfolio";

// Walks up from `start` to the nearest folder that has a tracks/ folder.
Result<std::filesystem::path> find_course_root(const std::filesystem::path& start);

// Discovers and validates every module under root/tracks. A module that cannot be loaded is
// kept in `broken` with its problem (a bad manifest names the file and the field); an Error
// means there is no course at `root` (no such folder, no tracks/) or tracks/ cannot be read.
Result<Course> load_course(const std::filesystem::path& root);

}  // namespace kc::course
