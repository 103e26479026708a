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

// Writes `content` as a new file: at `path`, or where that name is taken at `path-2`, `path-3`,
// ...; an existing file is never replaced, even by another process writing the same name at the
// same moment. As crash-safe as write_file_atomic. Returns the path it wrote.
Result<std::filesystem::path> write_file_new(const std::filesystem::path& path, const std::string& content);

}  // namespace kc
