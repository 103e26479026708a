// A device buffer with guard zones: 4 KiB before and 64 KiB after the bytes a kernel may use,
// filled with a pattern and checked after every launch, so writing past either end is caught.
// Every buffer of every run has its own patterns, front and back (drawn from the run's guard
// seed and the buffer's number in the run): a kernel that copies the bytes past the end of an
// input to the same offsets past the end of its output changes the output's guard, and a
// float4 store whose extra lanes come from an input's guard bytes cannot reproduce them.
// The usable bytes start 256-byte aligned, as cudaMalloc's do (vectorised kernels rely on it),
// unless an input view asks for an offset.
// Where the driver's virtual-memory calls work, the mapping ends right after the back guard and
// an unmapped granule follows (another precedes the front guard): a kernel that writes past the
// guard zone faults at once instead of corrupting another buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/result.h"

namespace kc::gpu {

struct GuardHit {
    std::string buffer;       // the parameter's name, e.g. "out"
    bool before = false;      // true: below the start; false: past the end
    size_t first_offset = 0;  // bytes from the edge to the nearest changed byte (0 = adjacent)
    size_t last_offset = 0;   // ... to the farthest changed byte
    size_t bytes_changed = 0;
};

class DeviceBuffer {
public:
    static constexpr size_t kFrontGuard = 4096;
    static constexpr size_t kBackGuard = 64 * 1024;

    // `offset`: the usable bytes start that many bytes past a 256-byte boundary (an input
    // view's sub-buffer, exercises/view.h); the front guard covers the bytes before them.
    static Result<DeviceBuffer> create(std::string name, size_t bytes, size_t offset = 0);
    // The seed of this process's guard patterns (the worker sets the run's seed); each buffer
    // created after it mixes in its own number.
    static void set_guard_seed(uint64_t seed);
    DeviceBuffer(DeviceBuffer&& o) noexcept;
    DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    ~DeviceBuffer();

    void* data() const { return base_ + front_; }
    template <typename T>
    T* as() const { return static_cast<T*>(data()); }
    size_t bytes() const { return bytes_; }
    const std::string& name() const { return name_; }

    Status upload(const void* host, size_t bytes);
    Status download(void* host, size_t bytes) const;
    Status arm_guards();              // writes the guard pattern
    Result<std::optional<GuardHit>> check_guards() const;

private:
    DeviceBuffer() = default;
    void release();
    std::string name_;
    char* base_ = nullptr;
    size_t bytes_ = 0;
    size_t front_ = kFrontGuard;  // front guard bytes: kFrontGuard plus the offset
    uint64_t salt_ = 0;  // this buffer's guard patterns
    // With the driver's virtual-memory calls: the whole reservation (unmapped granules included).
    unsigned long long vmm_start_ = 0;
    size_t vmm_size_ = 0;
};

}  // namespace kc::gpu
