// A schema-versioned JSON document kept in a file (the .kernelcoach state: progress, the speed
// of light): read, parsed and checked at the top level. What is wrong is worded by the caller.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace kc {

// A field of a JSON object, or `fallback` when it is missing or null: documents written before a
// field existed still read.
template <typename T>
T json_or(const nlohmann::json& j, const char* key, T fallback) {
    auto it = j.find(key);
    return it == j.end() || it->is_null() ? fallback : it->get<T>();
}

// The caller's Error for a file that cannot be used: `why` completes "FILE ...".
using Unreadable = std::function<Error(std::string_view why, std::string detail)>;

struct VersionedJson {
    nlohmann::json doc;    // an object
    int64_t schema = 0;    // its whole-number "schema"
};

// nullopt when the file does not exist; an Error (through `unreadable`) when it cannot be
// examined or read, is not JSON, is not an object, or has no whole-number "schema".
Result<std::optional<VersionedJson>> read_versioned_json(const std::filesystem::path& file,
                                                         const Unreadable& unreadable);

}  // namespace kc
