// "Cached per device": the last tune result of each module on each GPU, in
// .kernelcoach/tune/<module>.json, keyed by the GPU's UUID, for `tune <id> --last`.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "util/result.h"

namespace kc::tune {

// .kernelcoach/tune/fixtures__16.json for module "fixtures/16" (a part's '/' too).
std::filesystem::path last_path(const std::filesystem::path& course_root, const std::string& module_id);

// One remembered run: the device, when, and the table (table_json).
struct LastRun {
    std::string uuid;
    std::string device;     // its name: "NVIDIA H200"
    std::string when;       // UTC, ISO 8601
    nlohmann::json table;
};

// Records `run` as the last for its device, keeping the other devices' (a damaged file is
// replaced). Atomic.
Status save_last(const std::filesystem::path& file, const std::string& module_id, const LastRun& run);
// Every device's last run, newest first; empty when nothing was recorded. An Error when the file
// cannot be read or is not one of ours.
Result<std::vector<LastRun>> load_last(const std::filesystem::path& file);

// Now, as "2026-12-02T17:40:00Z".
std::string utc_now();

}  // namespace kc::tune
