// Does compute-sanitizer racecheck follow a bar.arrive -> bar.sync hand-off? The PTX ISA documents
// this producer/consumer pattern (a producer warp writes shared memory and `bar.arrive`s; the
// consumer warps `bar.sync` on the same barrier, then read). optimization/04's named-barrier
// example was reported as a race (256 hazards) on the H200; this kernel is the pattern alone.
//   mode 1: producer writes, bar.arrive; consumers bar.sync, read          (correct by the ISA)
//   mode 2: the same with bar.sync on both sides                            (correct, the control)
//   mode 3: producer writes and does not arrive; consumers read at once     (a real race)
// Each mode also checks the values the consumers read, so a wrong hand-off shows as mismatches.
#include <cstdio>
#include <cstdlib>

__global__ void handoff(int mode, int* mismatches) {
    __shared__ int buf[256];
    const int warp = threadIdx.x / 32;
    const bool producer = warp == 8;  // warps 0-7 consume, warp 8 produces
    for (int round = 0; round < 4; ++round) {
        if (producer) {
            for (int i = threadIdx.x - 256; i < 256; i += 32) buf[i] = round * 1000 + i;
            if (mode == 1) asm volatile("bar.arrive 1, 288;" ::: "memory");
            if (mode == 2) asm volatile("bar.sync 1, 288;" ::: "memory");
        } else {
            if (mode != 3) asm volatile("bar.sync 1, 288;" ::: "memory");
            if (buf[threadIdx.x] != round * 1000 + static_cast<int>(threadIdx.x)) atomicAdd(mismatches, 1);
        }
        __syncthreads();  // every read of this round before the next round's writes
    }
}

int main(int argc, char** argv) {
    const int mode = argc > 1 ? std::atoi(argv[1]) : 1;
    int* mismatches = nullptr;
    cudaMalloc(&mismatches, sizeof(int));
    cudaMemset(mismatches, 0, sizeof(int));
    handoff<<<132, 288>>>(mode, mismatches);
    int host = -1;
    cudaMemcpy(&host, mismatches, sizeof(int), cudaMemcpyDeviceToHost);
    std::printf("mode %d: %s, %d mismatched reads\n", mode, cudaGetErrorString(cudaGetLastError()), host);
    return 0;
}
