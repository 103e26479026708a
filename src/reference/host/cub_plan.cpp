#include "reference/host/cub_plan.h"

#include <fmt/format.h>

#include <limits>

#include "reference/host/text.h"

namespace kc::reference {

const char* scan_kind_name(ScanKind k) {
    switch (k) {
        case ScanKind::kSum: return "DeviceReduce::Sum";
        case ScanKind::kInclusiveSum: return "DeviceScan::InclusiveSum";
        case ScanKind::kExclusiveSum: return "DeviceScan::ExclusiveSum";
    }
    return "?";
}

Status validate_scan(ScanKind k, DType t, int64_t n) {
    if (t != DType::kFp32 && t != DType::kInt32)
        return make_error(fmt::format("CUB {}: elements must be fp32 or int32, not {}", scan_kind_name(k), dtype_name(t)));
    if (n < 0 || n > std::numeric_limits<int32_t>::max())
        return make_error(fmt::format("CUB {}: {} items; the reference takes 0 to 2^31 - 1", scan_kind_name(k), n));
    return Ok{};
}

int64_t scan_outputs(ScanKind k, int64_t n) { return k == ScanKind::kSum ? 1 : n; }

size_t temp_capacity(size_t have, size_t need) {
    if (need <= have) return have;
    constexpr size_t kStep = 4096;
    return (need + kStep - 1) / kStep * kStep;
}

std::string describe_scan(ScanKind k, DType t, int64_t n, size_t temp_bytes) {
    return fmt::format("CUB {}, {}, {} items, temp storage {}", scan_kind_name(k), dtype_name(t), n, bytes_text(temp_bytes));
}

}  // namespace kc::reference
