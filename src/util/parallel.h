// Host-side data parallelism for the large cases (inputs, truth): a fixed chunking so that
// results never depend on the number of threads.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <span>
#include <thread>
#include <vector>

namespace kc {

// Calls fn(begin, end, chunk_index) for consecutive chunks of `chunk` elements covering
// [0, n), spread over the machine's cores. fn must not throw.
template <typename Fn>
void parallel_chunks(size_t n, size_t chunk, Fn fn) {
    const size_t chunks = (n + chunk - 1) / chunk;
    const size_t threads = std::min<size_t>(chunks, std::max(1u, std::thread::hardware_concurrency()));
    if (threads <= 1) {
        for (size_t c = 0; c < chunks; ++c) fn(c * chunk, std::min(n, (c + 1) * chunk), c);
        return;
    }
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            for (size_t c = t; c < chunks; c += threads) fn(c * chunk, std::min(n, (c + 1) * chunk), c);
        });
    for (auto& th : pool) th.join();
}

void* map_host_pages(size_t bytes);  // util/parallel.cpp: huge-page hint, touched in parallel
void unmap_host_pages(void* p, size_t bytes);

// Host memory for large cases, reused across cases: grows, never shrinks, is not zero-filled,
// and asks for transparent huge pages. A 64M-element case touches gigabytes of host memory;
// with 4 KiB pages the page faults alone cost seconds in a virtual machine.
template <typename T>
class HostBuffer {
public:
    HostBuffer() = default;
    HostBuffer(const HostBuffer&) = delete;
    HostBuffer& operator=(const HostBuffer&) = delete;
    ~HostBuffer() { release(); }

    // Room for n elements; the contents are unspecified. Null on allocation failure.
    std::span<T> get(size_t n) {
        if (n > cap_) {
            release();
            size_t bytes = round_up(n * sizeof(T));
            void* p = map_host_pages(bytes);
            if (!p) return {};
            p_ = static_cast<T*>(p);
            cap_ = bytes / sizeof(T);
            bytes_ = bytes;
        }
        return {p_, n};
    }

private:
    static size_t round_up(size_t b) { return (b + kHuge - 1) / kHuge * kHuge; }
    static constexpr size_t kHuge = 2u << 20;
    void release() {
        if (p_) unmap_host_pages(p_, bytes_);
        p_ = nullptr;
        cap_ = bytes_ = 0;
    }

    T* p_ = nullptr;
    size_t cap_ = 0;
    size_t bytes_ = 0;
};

}  // namespace kc
