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

// A host array that is not zero-filled on creation (the first write touches its pages, in
// parallel when the writer is parallel): 64M-element cases make zero-filling cost seconds.
template <typename T>
class HostArray {
public:
    explicit HostArray(size_t n) : p_(new T[n]), n_(n) {}
    T* data() { return p_.get(); }
    const T* data() const { return p_.get(); }
    size_t size() const { return n_; }
    size_t bytes() const { return n_ * sizeof(T); }
    T& operator[](size_t i) { return p_[i]; }
    const T& operator[](size_t i) const { return p_[i]; }
    operator std::span<T>() { return {p_.get(), n_}; }               // NOLINT
    operator std::span<const T>() const { return {p_.get(), n_}; }   // NOLINT

private:
    std::unique_ptr<T[]> p_;
    size_t n_;
};

}  // namespace kc
