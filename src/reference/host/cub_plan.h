// The host side of the CUB reference (reference/cub.h): which reductions and scans it runs, the
// sizes it accepts, and how its temporary storage grows, as pure functions tested on the CPU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "reference/host/dtype.h"
#include "util/result.h"

namespace kc::reference {

// cub::DeviceReduce::Sum (one output), cub::DeviceScan::InclusiveSum (out[i] = in[0] + ... +
// in[i]) and ExclusiveSum (out[0] = 0, out[i] = in[0] + ... + in[i-1]).
enum class ScanKind { kSum, kInclusiveSum, kExclusiveSum };

const char* scan_kind_name(ScanKind k);  // "DeviceReduce::Sum", ...

// n from 0 to 2^31 - 1 (the reference runs CUB with 32-bit offsets, its fast path); fp32 or
// int32 elements.
Status validate_scan(ScanKind k, DType t, int64_t n);

// Elements written: 1 for a sum, n for a scan.
int64_t scan_outputs(ScanKind k, int64_t n);

// The temporary storage to hold after CUB asked for `need` bytes while `have` are allocated:
// what is there when it is enough (no allocation in a timing loop), else `need` rounded up to
// 4 KiB (so that a slightly larger next request is served too).
size_t temp_capacity(size_t have, size_t need);

// "CUB DeviceScan::InclusiveSum, fp32, 1000000 items, temp storage 4.0 KiB".
std::string describe_scan(ScanKind k, DType t, int64_t n, size_t temp_bytes);

}  // namespace kc::reference
