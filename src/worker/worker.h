// The worker process: the only code that initialises CUDA. It reads one Request (JSON) on
// stdin and writes events (JSON lines) to file descriptor 3; see wire/protocol.h.
#pragma once

namespace kc::worker {

// Entry point of `kernelcoach __worker`. Returns the process exit code.
int worker_main();

}  // namespace kc::worker
