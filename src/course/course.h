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

struct Course {
    std::filesystem::path root;  // holds tracks/ and .kernelcoach/
    std::vector<Module> modules; // in course order: basics, the four tracks, then any others

    // Accepts "missing-elements/01", "missing-elements/module-01-vector-add",
    // "tracks/missing-elements/module-01-vector-add/", the topic "vector-add", and a track
    // name that holds a single module ("basics"). Unknown ids get "did you mean".
    // Ids are looked up among discovered modules only, so no id reaches outside tracks/.
    Result<const Module*> resolve(const std::string& id) const;
    std::vector<const Module*> in_track(const std::string& track) const;
    std::vector<std::string> tracks() const;
};

// The four tracks of the certificate, in order. `basics` comes before them and is not counted.
const std::vector<std::string>& certificate_tracks();

// Walks up from `start` to the nearest folder that has a tracks/ folder.
Result<std::filesystem::path> find_course_root(const std::filesystem::path& start);

// Discovers and validates every module under root/tracks. A bad manifest is an error naming
// the file and the field.
Result<Course> load_course(const std::filesystem::path& root);

}  // namespace kc::course
