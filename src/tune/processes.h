// Work spread over forked copies of this process. Tune builds its variants this way, not in
// threads: a build runs NVRTC in a forked compile child under a deadline (engine/compile_child),
// and a process must have no other threads when it forks, so each copy forks its own.
#pragma once

#include <cstddef>
#include <functional>

namespace kc::tune {

// Runs fn(i) for every i in [0, count) in min(processes, count) forked copies of this process,
// copy p taking p, p + processes, ...; returns once every copy has ended. What a copy does is
// seen only through its side effects (files: the compile cache). A copy that cannot be forked
// leaves its share undone (the caller does everything again, cheaply, in order). This process
// must have no other threads running.
void in_processes(size_t count, size_t processes, const std::function<void(size_t)>& fn);

}  // namespace kc::tune
