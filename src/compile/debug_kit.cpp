#include "compile/debug_kit.h"

namespace kc::compile {

const std::string& debug_header() {
    static const std::string text = R"KC(// kc/debug.cuh: kernelcoach's debug kit (tracks/README.md, "The debug kit"). Made by
// kernelcoach when it compiles your file; not a file on disk.
//
//   kc::at(p, i, n)           p[i] after checking 0 <= i < n; outside, the access is not made
//                             (a stand-in element is used) and the case is WRONG, with the
//                             thread, block, index and line in the report
//   KC_ASSERT(cond, "why")    when cond is false: the message, thread, block and line go in the
//                             report, the case is WRONG, and the thread returns (in a __global__
//                             function, or a void __device__ one); the context survives
//   KC_PRINT_ONCE(fmt, ...)   printf from thread (0,0,0) of block (0,0,0)
//   KC_PRINT_IF(cond, fmt, ...)  printf from the threads where cond holds
// The two prints print only in `kernelcoach run <id> --debug` (which defines KC_DEBUG), where
// their lines are grouped by block and thread; elsewhere they compile to nothing, so they can
// stay in the file while it is timed. kc::at and KC_ASSERT check in every run: each costs a
// compare and a branch.
#pragma once

namespace kc::debug_detail {
// The first kit event of a launch (grade::DebugRecord on the host has the same layout).
struct Record {
    unsigned int claimed;   // 0 until the first event
    int kind;               // 1: kc::at out of range; 2: KC_ASSERT failed
    int line;
    unsigned int block[3];
    unsigned int thread[3];
    unsigned int element_bytes;  // kc::at: sizeof the element
    long long index, n;          // kc::at: the index and the bound
    unsigned long long pointer;  // kc::at: the pointer indexed
    unsigned long long events;   // every event of the launch, in all threads
    char message[128];           // KC_ASSERT: the message
    char condition[128];         // KC_ASSERT: the condition, as written
};
}  // namespace kc::debug_detail

__device__ kc::debug_detail::Record kc_debug_record;
__device__ __align__(16) unsigned char kc_debug_stand_in[256];

namespace kc::debug_detail {
#ifdef KC_DEBUG
inline constexpr bool kPrints = true;
#else
inline constexpr bool kPrints = false;
#endif

__device__ inline bool claim(int kind, int line) {
    atomicAdd(&kc_debug_record.events, 1ull);
    if (atomicCAS(&kc_debug_record.claimed, 0u, 1u) != 0u) return false;
    kc_debug_record.kind = kind;
    kc_debug_record.line = line;
    kc_debug_record.block[0] = blockIdx.x, kc_debug_record.block[1] = blockIdx.y, kc_debug_record.block[2] = blockIdx.z;
    kc_debug_record.thread[0] = threadIdx.x, kc_debug_record.thread[1] = threadIdx.y, kc_debug_record.thread[2] = threadIdx.z;
    return true;
}

__device__ inline void copy_text(char* to, const char* from) {
    int i = 0;
    for (; from && i < 127 && from[i]; ++i) to[i] = from[i];
    to[i] = 0;
}

__device__ __noinline__ void out_of_range(const void* p, unsigned int element_bytes, long long i, long long n, int line) {
    if (!claim(1, line)) return;
    kc_debug_record.element_bytes = element_bytes;
    kc_debug_record.index = i;
    kc_debug_record.n = n;
    kc_debug_record.pointer = reinterpret_cast<unsigned long long>(p);
    __threadfence();
}

__device__ __noinline__ void assert_failed(const char* condition, const char* message, int line) {
    if (!claim(2, line)) return;
    copy_text(kc_debug_record.message, message);
    copy_text(kc_debug_record.condition, condition);
    __threadfence();
}
}  // namespace kc::debug_detail

namespace kc {
template <class T>
__device__ __forceinline__ T& at(T* p, long long i, long long n, int line = __builtin_LINE()) {
    static_assert(sizeof(T) <= sizeof(kc_debug_stand_in), "kc::at: elements of at most 256 bytes");
    if (i >= 0 && i < n) return p[i];
    debug_detail::out_of_range(p, static_cast<unsigned int>(sizeof(T)), i, n, line);
    return *reinterpret_cast<T*>(kc_debug_stand_in);
}
}  // namespace kc

#define KC_ASSERT(cond, message)                                                  \
    do {                                                                          \
        if (!(cond)) {                                                            \
            ::kc::debug_detail::assert_failed(#cond, message, __LINE__);          \
            return;                                                               \
        }                                                                         \
    } while (0)

#define KC_PRINT_IF(cond, format, ...)                                                                       \
    do {                                                                                                     \
        if (::kc::debug_detail::kPrints && (cond))                                                           \
            printf("[kc b(%u,%u,%u) t(%u,%u,%u)] " format, blockIdx.x, blockIdx.y, blockIdx.z, threadIdx.x, \
                   threadIdx.y, threadIdx.z, ##__VA_ARGS__);                                                 \
    } while (0)

#define KC_PRINT_ONCE(format, ...)                                                                       \
    KC_PRINT_IF(threadIdx.x == 0 && threadIdx.y == 0 && threadIdx.z == 0 && blockIdx.x == 0 &&           \
                    blockIdx.y == 0 && blockIdx.z == 0,                                                  \
                format, ##__VA_ARGS__)
)KC";
    return text;
}

}  // namespace kc::compile
