// kc/debug.cuh, the debug kit every kernel file may include (tracks/README.md, "The debug
// kit"): checked accesses (kc::at), KC_ASSERT and KC_PRINT_ONCE / KC_PRINT_IF. Like
// kernelcoach.h it is made by kernelcoach and handed to NVRTC in memory, never a file on disk.
// A kit event (an index out of range, a failed assertion) is recorded in the device variable
// `kc_debug_record`, whose layout is grade::DebugRecord; the worker reads it after each launch.
#pragma once

#include <string>

namespace kc::compile {

inline constexpr const char* kDebugHeaderName = "kc/debug.cuh";
inline constexpr const char* kDebugRecordSymbol = "kc_debug_record";
// The -D that switches KC_PRINT_ONCE / KC_PRINT_IF on (`run --debug`); without it they print nothing.
inline constexpr const char* kDebugDefine = "-DKC_DEBUG=1";

// The text of kc/debug.cuh.
const std::string& debug_header();

}  // namespace kc::compile
