// NVRTC in a child process, under a deadline. NVRTC cannot be interrupted: a file that makes it
// compile for minutes would hold the parent with it. The child is a fork of the parent (no exec:
// starting the kernelcoach binary afresh loads cuBLAS and cuDNN, about 0.2 s, more than NVRTC
// needs for a course kernel); it compiles the Job it inherited and sends one "built" event on
// descriptor 3. Past the Job's deadline its process group is killed and the Built says
// timed_out. The cache is looked up in the parent, so a cache hit starts no process.
#pragma once

#include <nlohmann/json.hpp>

#include "compile/compiler.h"

namespace kc::engine {

// A Builder that runs every Job in a forked child. The parent must have no other threads
// running (engine::run_forked).
compile::Builder compile_in_child();

// The child's answer, as JSON (the cubin hex-encoded: JSON strings carry text).
nlohmann::json built_json(const compile::Built& built);
compile::Built built_from_json(const nlohmann::json& j);

}  // namespace kc::engine
