#include "compile/launch.h"

#include <fmt/format.h>

namespace kc {

std::string launch_problem(const Launch& l) {
    const auto& g = l.grid;
    const auto& b = l.block;
    if (g.x == 0 || g.y == 0 || g.z == 0)
        return fmt::format("launch() asked for a grid of ({}, {}, {}) blocks: a zero in any "
                           "dimension means no thread runs at all (check the ceil division)",
                           g.x, g.y, g.z);
    if (b.x == 0 || b.y == 0 || b.z == 0)
        return fmt::format("launch() asked for blocks of ({}, {}, {}) threads: every block "
                           "dimension must be at least 1", b.x, b.y, b.z);
    if (b.volume() > 1024)
        return fmt::format("launch() asked for {} threads per block ({} x {} x {}); a block holds "
                           "at most 1024", b.volume(), b.x, b.y, b.z);
    if (b.z > 64) return fmt::format("launch() asked for block.z = {}; at most 64 is allowed", b.z);
    if (g.x > 2147483647u)
        return fmt::format("launch() asked for grid.x = {}; at most 2^31 - 1 is allowed", g.x);
    if (g.y > 65535 || g.z > 65535)
        return fmt::format("launch() asked for grid.y = {}, grid.z = {}; each may be at most 65535 "
                           "(put the large dimension in x)", g.y, g.z);
    return {};
}

std::string launch_problem_on_device(const Launch& l, int max_threads, size_t max_shared) {
    if (auto p = launch_problem(l); !p.empty()) return p;
    if (l.block.volume() > static_cast<uint64_t>(max_threads))
        return fmt::format("blocks of {} threads are too many for this kernel: it uses so many "
                           "registers that at most {} threads fit in a block (use fewer threads "
                           "per block, or fewer registers per thread)", l.block.volume(), max_threads);
    if (l.shared_bytes > max_shared)
        return fmt::format("launch() asked for {} bytes of dynamic shared memory per block; this "
                           "GPU allows at most {} (minus what the kernel declares statically)",
                           l.shared_bytes, max_shared);
    return {};
}

std::string describe(const Launch& l) {
    return fmt::format("grid ({}, {}, {}) x block ({}, {}, {}), {} B shared", l.grid.x, l.grid.y,
                       l.grid.z, l.block.x, l.block.y, l.block.z, l.shared_bytes);
}

}  // namespace kc
