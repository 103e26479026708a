#include "compile/device_constants.h"

#include <fmt/format.h>

namespace kc::compile {

namespace {

constexpr uint32_t KiB = 1024, MiB = 1024 * 1024;

// Per-SM limits are the compute capability's (CUDA C++ Programming Guide, "Technical
// Specifications per Compute Capability"; the opt-in is the SM's shared memory less the 1 KiB
// the driver reserves per block from sm_80 on); the SM count and the L2 are the named part's
// data sheet. docs/grading.md lists the same table; a test keeps the two in step.
DeviceConstants row(int sm, int sms, int threads, uint32_t shared_sm, uint32_t optin, uint32_t l2) {
    DeviceConstants d;
    d.cc_major = sm / 10;
    d.cc_minor = sm % 10;
    d.sm_count = sms;
    d.max_threads_per_sm = threads;
    d.regs_per_sm = 64 * 1024;
    d.shared_per_sm = shared_sm;
    d.shared_per_block_optin = optin;
    d.l2_bytes = l2;
    return d;
}

const DefaultRow kRows[] = {
    {75, "Tesla T4", row(75, 40, 1024, 64 * KiB, 64 * KiB, 4 * MiB)},
    {80, "A100 SXM4", row(80, 108, 2048, 164 * KiB, 163 * KiB, 40 * MiB)},
    {86, "GeForce RTX 3090", row(86, 82, 1536, 100 * KiB, 99 * KiB, 6 * MiB)},
    {89, "GeForce RTX 4090", row(89, 128, 1536, 100 * KiB, 99 * KiB, 72 * MiB)},
    {90, "H100 SXM5", row(90, 132, 2048, 228 * KiB, 227 * KiB, 50 * MiB)},
    {100, "B200", row(100, 148, 2048, 228 * KiB, 227 * KiB, 126 * MiB)},
    {120, "GeForce RTX 5090", row(120, 170, 1536, 100 * KiB, 99 * KiB, 96 * MiB)},
};

// A one-line comment's text: no line breaks, and no backslash that would splice the next line in.
std::string comment_text(std::string s) {
    for (char& c : s)
        if (c == '\n' || c == '\r' || c == '\\') c = ' ';
    return s;
}

}  // namespace

std::span<const DefaultRow> default_rows() { return kRows; }

DeviceConstants default_constants(int sm) {
    const DefaultRow* pick = &kRows[0];
    for (const auto& r : kRows)
        if (r.sm <= sm) pick = &r;
    DeviceConstants d = pick->values;
    d.cc_major = sm / 10;
    d.cc_minor = sm % 10;
    d.source = pick->sm == sm
                   ? fmt::format("no GPU: the defaults for sm_{}, from the {} data sheet", sm, pick->part)
                   : fmt::format("no GPU: the defaults for sm_{}, from the {} data sheet (sm_{}'s row)", sm,
                                 pick->part, pick->sm);
    return d;
}

std::string device_header(const DeviceConstants& d) {
    return fmt::format(R"(namespace kc {{
// The GPU this file is compiled for: {}.
// Usable in launch() and in device code: kc::device.sm_count.
struct Device {{
    int sm;                           // compute capability, 10 * major + minor
    int cc_major, cc_minor;
    int sm_count;                     // streaming multiprocessors
    int warp_size;                    // threads per warp
    int max_threads_per_sm;           // resident threads per SM
    int regs_per_sm;                  // 32-bit registers per SM
    unsigned shared_per_sm;           // shared memory per SM, bytes
    unsigned shared_per_block;        // per block without opting in (48 KiB)
    unsigned shared_per_block_optin;  // per block at most (kernelcoach opts in above 48 KiB)
    unsigned l2_bytes;                // L2 cache, bytes
}};
inline constexpr Device device = {{
    .sm = {}, .cc_major = {}, .cc_minor = {}, .sm_count = {}, .warp_size = {},
    .max_threads_per_sm = {}, .regs_per_sm = {}, .shared_per_sm = {}u, .shared_per_block = {}u,
    .shared_per_block_optin = {}u, .l2_bytes = {}u}};
}}  // namespace kc
)",
                       comment_text(d.source), d.sm(), d.cc_major, d.cc_minor, d.sm_count, d.warp_size, d.max_threads_per_sm,
                       d.regs_per_sm, d.shared_per_sm, d.shared_per_block, d.shared_per_block_optin, d.l2_bytes);
}

}  // namespace kc::compile
