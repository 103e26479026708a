#include "gpu/buffer.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <type_traits>
#include <utility>

#include <cuda.h>  // types of the driver's virtual-memory calls (looked up at run time)

#include "exercises/spec.h"
#include "gpu/check.h"

namespace kc::gpu {

namespace {

std::vector<unsigned char> pattern(size_t n, uint64_t salt) {
    std::vector<unsigned char> p(n);
    exercises::Rng r(salt);
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v = r.next();
        std::memcpy(p.data() + i, &v, std::min<size_t>(8, n - i));
    }
    return p;
}

// The driver's virtual-memory calls, found through the runtime (the program does not link
// libcuda, so that it starts on a machine without a driver).
struct Vmm {
    using Create = CUresult (*)(CUmemGenericAllocationHandle*, size_t, const CUmemAllocationProp*, unsigned long long);
    using Release = CUresult (*)(CUmemGenericAllocationHandle);
    using Reserve = CUresult (*)(CUdeviceptr*, size_t, size_t, CUdeviceptr, unsigned long long);
    using Free = CUresult (*)(CUdeviceptr, size_t);
    using Map = CUresult (*)(CUdeviceptr, size_t, size_t, CUmemGenericAllocationHandle, unsigned long long);
    using Unmap = CUresult (*)(CUdeviceptr, size_t);
    using Access = CUresult (*)(CUdeviceptr, size_t, const CUmemAccessDesc*, size_t);
    using Granularity = CUresult (*)(size_t*, const CUmemAllocationProp*, CUmemAllocationGranularity_flags);
    Create create = nullptr;
    Release release = nullptr;
    Reserve reserve = nullptr;
    Free free = nullptr;
    Map map = nullptr;
    Unmap unmap = nullptr;
    Access access = nullptr;
    size_t granule = 0;
    CUmemAllocationProp prop{};
    bool ok = false;
};

const Vmm& vmm() {
    static const Vmm v = [] {
        Vmm v;
        auto get = [](const char* name, auto& fn) {
            void* p = nullptr;
            cudaDriverEntryPointQueryResult q{};
            if (cudaGetDriverEntryPointByVersion(name, &p, 12000, cudaEnableDefault, &q) != cudaSuccess ||
                q != cudaDriverEntryPointSuccess)
                return false;
            fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(p);
            return true;
        };
        Vmm::Granularity granularity = nullptr;
        int device = 0;
        if (cudaGetDevice(&device) != cudaSuccess) return v;
        if (!get("cuMemCreate", v.create) || !get("cuMemRelease", v.release) || !get("cuMemAddressReserve", v.reserve) ||
            !get("cuMemAddressFree", v.free) || !get("cuMemMap", v.map) || !get("cuMemUnmap", v.unmap) ||
            !get("cuMemSetAccess", v.access) || !get("cuMemGetAllocationGranularity", granularity))
            return v;
        v.prop.type = CU_MEM_ALLOCATION_TYPE_PINNED;
        v.prop.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
        v.prop.location.id = device;
        if (granularity(&v.granule, &v.prop, CU_MEM_ALLOC_GRANULARITY_MINIMUM) != CUDA_SUCCESS || v.granule == 0) return v;
        v.ok = true;
        return v;
    }();
    return v;
}

size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

std::atomic<uint64_t> guard_seed{0x6775617264ull};  // "guard"; the worker sets the run's seed
std::atomic<uint64_t> buffers_made{0};

// The front guard's pattern is drawn from salt, the back guard's from salt + 1.
uint64_t next_salt() {
    const uint64_t k = buffers_made.fetch_add(1);
    return exercises::Rng(guard_seed.load() ^ (k * 0x9e3779b97f4a7c15ull)).next() & ~uint64_t{1};
}

}  // namespace

void DeviceBuffer::set_guard_seed(uint64_t seed) {
    guard_seed = exercises::Rng(seed ^ 0x6775617264ull).next();
    buffers_made = 0;
}

Result<DeviceBuffer> DeviceBuffer::create(std::string name, size_t bytes, size_t offset) {
    DeviceBuffer b;
    b.name_ = std::move(name);
    b.bytes_ = bytes;
    b.front_ = kFrontGuard + offset;
    b.salt_ = next_salt();
    // From the 256-byte boundary the usable bytes start `offset` past to the end of the back
    // guard, a multiple of 256; the front guard lies before that boundary.
    const size_t tail = round_up(offset + std::max<size_t>(bytes, 1), 256) + kBackGuard;
    const size_t used = kFrontGuard + tail;
    const Vmm& v = vmm();
    if (v.ok) {
        // Mapped memory with an unmapped granule (2 MiB on current GPUs) on either side, and the
        // buffer placed so that its back guard ends at the mapping's end: an overrun past the
        // guard zone faults at once (CRASHED, illegal address) instead of landing in another
        // buffer. Physical memory: `used` rounded up to the granule.
        const size_t mapped = round_up(used, v.granule);
        CUdeviceptr start = 0;
        CUmemGenericAllocationHandle handle = 0;
        if (v.reserve(&start, mapped + 2 * v.granule, v.granule, 0, 0) == CUDA_SUCCESS) {
            bool mapped_ok = false;
            if (v.create(&handle, mapped, &v.prop, 0) == CUDA_SUCCESS) {
                CUmemAccessDesc access{};
                access.location = v.prop.location;
                access.flags = CU_MEM_ACCESS_FLAGS_PROT_READWRITE;
                if (v.map(start + v.granule, mapped, 0, handle, 0) == CUDA_SUCCESS) {
                    if (v.access(start + v.granule, mapped, &access, 1) == CUDA_SUCCESS) mapped_ok = true;
                    else v.unmap(start + v.granule, mapped);
                }
                v.release(handle);  // the mapping keeps the memory alive until it is unmapped
            }
            if (mapped_ok) {
                b.vmm_start_ = start;
                b.vmm_size_ = mapped + 2 * v.granule;
                b.base_ = reinterpret_cast<char*>(start + v.granule + mapped - tail - kFrontGuard);
                return b;
            }
            v.free(start, mapped + 2 * v.granule);
        }
        (void)cudaGetLastError();  // fall back to cudaMalloc below
    }
    void* p = nullptr;
    KC_CUDA(cudaMalloc(&p, b.front_ + bytes + kBackGuard));
    b.base_ = static_cast<char*>(p);
    return b;
}

void DeviceBuffer::release() {
    if (!base_) return;
    if (vmm_start_) {
        const Vmm& v = vmm();
        // Memory a kernel may still use is freed only after the device is done with it, as
        // cudaFree would.
        cudaDeviceSynchronize();
        v.unmap(vmm_start_ + v.granule, vmm_size_ - 2 * v.granule);
        v.free(vmm_start_, vmm_size_);
    } else {
        cudaFree(base_);
    }
    base_ = nullptr;
    vmm_start_ = 0;
    vmm_size_ = 0;
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& o) noexcept
    : name_(std::move(o.name_)),
      base_(std::exchange(o.base_, nullptr)),
      bytes_(o.bytes_),
      front_(o.front_),
      salt_(o.salt_),
      vmm_start_(std::exchange(o.vmm_start_, 0)),
      vmm_size_(std::exchange(o.vmm_size_, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
        release();
        name_ = std::move(o.name_);
        base_ = std::exchange(o.base_, nullptr);
        bytes_ = o.bytes_;
        front_ = o.front_;
        salt_ = o.salt_;
        vmm_start_ = std::exchange(o.vmm_start_, 0);
        vmm_size_ = std::exchange(o.vmm_size_, 0);
    }
    return *this;
}

DeviceBuffer::~DeviceBuffer() { release(); }

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
    auto front = pattern(front_, salt_);
    auto back = pattern(kBackGuard, salt_ + 1);
    KC_CUDA(cudaMemcpy(base_, front.data(), front_, cudaMemcpyHostToDevice));
    KC_CUDA(cudaMemcpy(base_ + front_ + bytes_, back.data(), kBackGuard, cudaMemcpyHostToDevice));
    KC_CUDA(cudaDeviceSynchronize());  // see upload()
    return Ok{};
}

Result<std::optional<GuardHit>> DeviceBuffer::check_guards() const {
    auto front = pattern(front_, salt_);
    auto back = pattern(kBackGuard, salt_ + 1);
    std::vector<unsigned char> got_front(front_), got_back(kBackGuard);
    KC_CUDA(cudaMemcpy(got_front.data(), base_, front_, cudaMemcpyDeviceToHost));
    KC_CUDA(cudaMemcpy(got_back.data(), base_ + front_ + bytes_, kBackGuard, cudaMemcpyDeviceToHost));
    // Past the end first: it is the common bug (a missing bounds check).
    GuardHit hit{name_, false, 0, 0, 0};
    for (size_t i = 0; i < kBackGuard; ++i) {
        if (got_back[i] == back[i]) continue;
        if (hit.bytes_changed++ == 0) hit.first_offset = i;
        hit.last_offset = i;
    }
    if (hit.bytes_changed) return std::optional<GuardHit>(hit);
    hit.before = true;
    for (size_t i = front_; i-- > 0;) {  // distance below the start
        if (got_front[i] == front[i]) continue;
        size_t dist = front_ - 1 - i;
        if (hit.bytes_changed++ == 0) hit.first_offset = dist;
        hit.last_offset = dist;
    }
    if (hit.bytes_changed) return std::optional<GuardHit>(hit);
    return std::optional<GuardHit>();
}

}  // namespace kc::gpu
