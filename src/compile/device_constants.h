// The GPU a kernel.cu is compiled for, as kernelcoach.h shows it: `kc::device`, a constexpr
// object launch() and device code can read (`p.n / kc::device.sm_count`). With a GPU the values
// are the probed device's; without one they are the defaults of the target architecture, the
// data sheet of one representative part per architecture (default_constants).
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace kc::compile {

struct DeviceConstants {
    int cc_major = 0, cc_minor = 0;
    int sm_count = 0;
    int warp_size = 32;
    int max_threads_per_sm = 0;
    int regs_per_sm = 0;
    uint32_t shared_per_sm = 0;
    uint32_t shared_per_block = 48 * 1024;  // without the opt-in: 48 KiB on every GPU
    uint32_t shared_per_block_optin = 0;
    uint32_t l2_bytes = 0;
    // Where the values come from, for the header's comment: "NVIDIA H200" or "no GPU: ...".
    std::string source;

    int sm() const { return cc_major * 10 + cc_minor; }
};

// One row of the defaults: an architecture and the part whose data sheet gave its values.
struct DefaultRow {
    int sm;
    const char* part;  // "H100 SXM5"
    DeviceConstants values;
};

// The rows, oldest first: sm_75, 80, 86, 89, 90, 100, 120.
std::span<const DefaultRow> default_rows();

// The defaults for `sm`: its row, or, for an architecture between rows (sm_87, sm_103, sm_121),
// the nearest older row with the capability set to `sm` (the oldest row below sm_75).
DeviceConstants default_constants(int sm);

// The text of `kc::Device` and `kc::device` in kernelcoach.h.
std::string device_header(const DeviceConstants& d);

}  // namespace kc::compile
