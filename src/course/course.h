// The course on disk: finding its root, discovering modules under tracks/, resolving ids.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "course/manifest.h"
#include "util/result.h"

namespace kc::course {

struct Module {
    std::string id;        // "missing-elements/01"
    std::string track;     // "missing-elements"
    int number = 0;        // 1
    std::string topic;     // "vector-add"
    std::string folder;    // "module-01-vector-add"
    std::filesystem::path dir;       // absolute path of the module folder
    std::string rel_dir;   // "tracks/missing-elements/module-01-vector-add"
    Manifest manifest;

    std::filesystem::path kernel_path() const { return dir / "kernel.cu"; }
    std::string rel_kernel() const { return rel_dir + "/kernel.cu"; }
    std::string long_id() const { return track + "/" + folder; }
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
    std::vector<Module> modules; // in course order: basics, the four tracks, then any others
    std::vector<BrokenModule> broken;  // by folder

    // Accepts "missing-elements/01", "missing-elements/module-01-vector-add",
    // "tracks/missing-elements/module-01-vector-add/", the topic "vector-add", and a track
    // name that holds a single module ("basics"). Unknown ids get "did you mean".
    // Ids are looked up among discovered modules only, so no id reaches outside tracks/.
    // A broken module is not resolved: its error is the module's problem (see broken_named).
    Result<const Module*> resolve(const std::string& id) const;
    // The broken module `id` names (its id or its folder, as resolve() reads them), or nullptr.
    const BrokenModule* broken_named(const std::string& id) const;
    std::vector<const Module*> in_track(const std::string& track) const;
    std::vector<std::string> tracks() const;
    // An Error, with "did you mean", unless `track` is a track of this course or of the
    // certificate (which may have no modules yet).
    Status check_track(const std::string& track) const;
};

// The four tracks of the certificate, in order. `basics` comes before them and is not counted.
const std::vector<std::string>& certificate_tracks();

// Walks up from `start` to the nearest folder that has a tracks/ folder.
Result<std::filesystem::path> find_course_root(const std::filesystem::path& start);

// Discovers and validates every module under root/tracks. A module that cannot be loaded is
// kept in `broken` with its problem (a bad manifest names the file and the field); an Error
// means there is no course at `root` (no such folder, no tracks/) or tracks/ cannot be read.
Result<Course> load_course(const std::filesystem::path& root);

}  // namespace kc::course
