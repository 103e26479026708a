#include "gpu/buffer.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "exercises/spec.h"
#include "gpu/check.h"

namespace kc::gpu {

namespace {

std::vector<unsigned char> pattern(size_t n, uint64_t salt) {
    std::vector<unsigned char> p(n);
    exercises::Rng r(0x6775617264ull ^ salt);  // "guard"
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v = r.next();
        std::memcpy(p.data() + i, &v, std::min<size_t>(8, n - i));
    }
    return p;
}

}  // namespace

Result<DeviceBuffer> DeviceBuffer::create(std::string name, size_t bytes) {
    DeviceBuffer b;
    b.name_ = std::move(name);
    b.bytes_ = bytes;
    void* p = nullptr;
    KC_CUDA(cudaMalloc(&p, kFrontGuard + bytes + kBackGuard));
    b.base_ = static_cast<char*>(p);
    return b;
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& o) noexcept
    : name_(std::move(o.name_)), base_(std::exchange(o.base_, nullptr)), bytes_(o.bytes_) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
        if (base_) cudaFree(base_);
        name_ = std::move(o.name_);
        base_ = std::exchange(o.base_, nullptr);
        bytes_ = o.bytes_;
    }
    return *this;
}

DeviceBuffer::~DeviceBuffer() {
    if (base_) cudaFree(base_);
}

Status DeviceBuffer::upload(const void* host, size_t bytes) {
    KC_CUDA(cudaMemcpy(data(), host, bytes, cudaMemcpyHostToDevice));
    // From pageable memory cudaMemcpy may return before the last DMA lands, and the worker's
    // own stream does not wait for the legacy stream: wait here, or a copy made on that stream
    // right after can read stale bytes (seen on an H200: "modified input" for correct kernels).
    KC_CUDA(cudaDeviceSynchronize());
    return Ok{};
}

Status DeviceBuffer::download(void* host, size_t bytes) const {
    KC_CUDA(cudaMemcpy(host, data(), bytes, cudaMemcpyDeviceToHost));
    return Ok{};
}

Status DeviceBuffer::arm_guards() {
    auto front = pattern(kFrontGuard, 1);
    auto back = pattern(kBackGuard, 2);
    KC_CUDA(cudaMemcpy(base_, front.data(), kFrontGuard, cudaMemcpyHostToDevice));
    KC_CUDA(cudaMemcpy(base_ + kFrontGuard + bytes_, back.data(), kBackGuard, cudaMemcpyHostToDevice));
    KC_CUDA(cudaDeviceSynchronize());  // see upload()
    return Ok{};
}

Result<std::optional<GuardHit>> DeviceBuffer::check_guards() const {
    auto front = pattern(kFrontGuard, 1);
    auto back = pattern(kBackGuard, 2);
    std::vector<unsigned char> got_front(kFrontGuard), got_back(kBackGuard);
    KC_CUDA(cudaMemcpy(got_front.data(), base_, kFrontGuard, cudaMemcpyDeviceToHost));
    KC_CUDA(cudaMemcpy(got_back.data(), base_ + kFrontGuard + bytes_, kBackGuard, cudaMemcpyDeviceToHost));
    // Past the end first: it is the common bug (a missing bounds check).
    GuardHit hit{name_, false, 0, 0, 0};
    for (size_t i = 0; i < kBackGuard; ++i) {
        if (got_back[i] == back[i]) continue;
        if (hit.bytes_changed++ == 0) hit.first_offset = i;
        hit.last_offset = i;
    }
    if (hit.bytes_changed) return std::optional<GuardHit>(hit);
    hit.before = true;
    for (size_t i = kFrontGuard; i-- > 0;) {  // distance below the start
        if (got_front[i] == front[i]) continue;
        size_t dist = kFrontGuard - 1 - i;
        if (hit.bytes_changed++ == 0) hit.first_offset = dist;
        hit.last_offset = dist;
    }
    if (hit.bytes_changed) return std::optional<GuardHit>(hit);
    return std::optional<GuardHit>();
}

}  // namespace kc::gpu
