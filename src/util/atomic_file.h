// Whole-file reads and crash-safe writes.
#pragma once

#include <filesystem>
#include <string>

#include "util/result.h"

namespace kc {

// Reads a whole file. The error names the file.
Result<std::string> read_file(const std::filesystem::path& path);

// Writes `content` to `path` so that a kill at any moment leaves either the old file or the
// new one, never a mix: write a temporary file beside it, fsync it, rename it over, fsync
// the folder. Creates missing parent folders.
Status write_file_atomic(const std::filesystem::path& path, const std::string& content);

}  // namespace kc
