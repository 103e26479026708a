// A compile::Request for the vector-add exercise, as the grader makes one: two cases.
#pragma once

#include <filesystem>
#include <string>

#include "compile/compiler.h"

namespace kc::test {

// `source` shown as tracks/x/module-01-y/kernel.cu; `path`: where it is on disk, if anywhere.
compile::Request vector_add_request(const std::string& source, const std::filesystem::path& path = {});

}  // namespace kc::test
