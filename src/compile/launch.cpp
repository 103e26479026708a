#include "compile/launch.h"

#include <fmt/format.h>

namespace kc {

namespace {

// The cluster's shape: at least 1 block in every dimension, a whole number of clusters in the
// grid, at most 16 blocks.
std::string cluster_problem(const Launch& l) {
    const auto& g = l.grid;
    const auto& c = l.cluster;
    if (c.x == 0 || c.y == 0 || c.z == 0)
        return fmt::format("launch() asked for clusters of ({}, {}, {}) blocks: every cluster dimension must be "
                           "at least 1 (1 x 1 x 1 is no cluster)",
                           c.x, c.y, c.z);
    if (g.x % c.x || g.y % c.y || g.z % c.z) {
        const char axis = g.x % c.x ? 'x' : g.y % c.y ? 'y' : 'z';
        const uint32_t gn = axis == 'x' ? g.x : axis == 'y' ? g.y : g.z;
        const uint32_t cn = axis == 'x' ? c.x : axis == 'y' ? c.y : c.z;
        return fmt::format("launch() asked for a grid of ({}, {}, {}) blocks in clusters of ({}, {}, {}): the grid "
                           "must be a whole number of clusters, and grid.{} = {} is not a multiple of cluster.{} = {} "
                           "(round the grid up to a multiple of the cluster, and let the extra blocks do nothing)",
                           g.x, g.y, g.z, c.x, c.y, c.z, axis, gn, axis, cn);
    }
    if (c.volume() > kMaxClusterBlocks)
        return fmt::format("launch() asked for clusters of {} blocks ({} x {} x {}); a cluster holds at most {} "
                           "blocks ({} on any GPU, {} where the GPU allows non-portable sizes, as the H100 does)",
                           c.volume(), c.x, c.y, c.z, kMaxClusterBlocks, kPortableClusterBlocks, kMaxClusterBlocks);
    return {};
}

}  // namespace

std::string launch_problem(const Launch& l) {
    const auto& g = l.grid;
    const auto& b = l.block;
    if (g.x == 0 || g.y == 0 || g.z == 0)
        return fmt::format("launch() asked for a grid of ({}, {}, {}) blocks: CUDA refuses a launch with a zero in "
                           "any dimension (invalid configuration argument), so no thread runs at all. Check the ceil "
                           "division; where a size may be 0, launch at least one block and let the bounds check "
                           "leave it idle",
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
    return cluster_problem(l);
}

std::string launch_problem_on(const Launch& l, int sm) {
    if (auto p = launch_problem(l); !p.empty()) return p;
    if (l.clustered() && sm < 90)
        return fmt::format("launch() asked for clusters of ({}, {}, {}) blocks; thread-block clusters need compute "
                           "capability 9.0 or newer, and this kernel is compiled for sm_{} (a module that needs them "
                           "declares \"min_sm\": 90)",
                           l.cluster.x, l.cluster.y, l.cluster.z, sm);
    return {};
}

std::string launch_problem_for(const Launch& l, const compile::DeviceConstants& d) {
    if (auto p = launch_problem_on(l, d.sm()); !p.empty()) return p;
    if (l.shared_bytes > d.shared_per_block_optin)
        return fmt::format("launch() asked for {} bytes of dynamic shared memory per block; the GPU this is compiled "
                           "for allows at most {} (kc::device.shared_per_block_optin; {})",
                           l.shared_bytes, d.shared_per_block_optin, d.source);
    return {};
}

std::string launch_problem_on_device(const Launch& l, int sm, int max_threads, size_t max_shared) {
    if (auto p = launch_problem_on(l, sm); !p.empty()) return p;
    if (l.block.volume() > static_cast<uint64_t>(max_threads))
        return fmt::format("blocks of {} threads are too many for this kernel: it uses so many "
                           "registers that at most {} threads fit in a block (use fewer threads "
                           "per block, or fewer registers per thread)", l.block.volume(), max_threads);
    if (l.shared_bytes > max_shared)
        return fmt::format("launch() asked for {} bytes of dynamic shared memory per block; this "
                           "GPU allows at most {} (kc::device.shared_per_block_optin, minus what the kernel "
                           "declares statically)",
                           l.shared_bytes, max_shared);
    return {};
}

std::string describe(const Launch& l) {
    std::string s = fmt::format("grid ({}, {}, {}) x block ({}, {}, {}), {} B shared", l.grid.x, l.grid.y, l.grid.z,
                                l.block.x, l.block.y, l.block.z, l.shared_bytes);
    if (l.clustered()) s += fmt::format(", cluster ({}, {}, {})", l.cluster.x, l.cluster.y, l.cluster.z);
    return s;
}

}  // namespace kc
