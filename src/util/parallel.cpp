#include "util/parallel.h"

#include <sys/mman.h>

#include <cstring>

namespace kc {

void* map_host_pages(size_t bytes) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    ::madvise(p, bytes, MADV_HUGEPAGE);  // a hint: fine if the kernel says no
    // Touch the pages from every core now rather than one by one in a single-threaded copy.
    constexpr size_t kChunk = 2u << 20;
    parallel_chunks(bytes, kChunk, [p](size_t begin, size_t end, size_t) {
        for (size_t off = begin; off < end; off += 4096) static_cast<char*>(p)[off] = 0;
    });
    return p;
}

void unmap_host_pages(void* p, size_t bytes) { ::munmap(p, bytes); }

}  // namespace kc
