// Host emulation of the few CUDA device features the eapo4j kernels use, so that the kernels in cuda/*.cu (the same
// source, not a copy) can run on a CPU-only machine: each CUDA thread of a block is a std::thread, __syncthreads is a
// std::barrier, warp shuffles go through a per-warp exchange array, __shared__ variables are static (one block runs
// at a time), and the CUDA runtime calls are answered by emu_runtime.cpp with host memory.
// The CTAs of a thread-block cluster run concurrently, each with its own shared state; the cluster barrier is a
// std::barrier over all their threads and DSMEM maps an address to the same offset in another CTA's state.
// What this can check: indexing, row splitting over CTAs and threads, head/tail handling, the phase-1/phase-2 slot
// ownership, barrier pairing (a mismatch deadlocks), the per-row math, NaN/-inf handling, the API layer and the
// whole gpu_test.cu harness. What it cannot: real memory ordering and caching, hardware scheduling, performance
// (and ex2.approx's last-bit error, which is below the test tolerances).
// Included first by every cuda/dev/emu/*.cpp file; see cuda/dev/emu/run_host_emulation.sh.
#ifndef EAPO4J_EMU_CUDA_H
#define EAPO4J_EMU_CUDA_H

#define EAPO4J_HOST_EMULATION 1

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#undef __shared__
#define __shared__ static
#ifndef __launch_bounds__
#define __launch_bounds__(...)
#endif

// The built-in index variables, one set per emulated CUDA thread.
extern thread_local uint3 threadIdx;
extern thread_local uint3 blockIdx;
extern thread_local dim3 blockDim;
extern thread_local dim3 gridDim;

namespace emu {
void syncthreads();
float shfl_xor(float v, int lane_mask);
void* dynamic_smem_ptr();
void* block_static_area();                          // this block's static __shared__ state
const void* remote_static(const void* local, int rank);  // the same address in block `rank` of the cluster
unsigned cluster_rank();
int cluster_size();
void cluster_arrive();
void cluster_wait();
template <class T>
const T* remote_block_shared(T* local, int rank) {
    return static_cast<const T*>(remote_static(local, rank));
}
typedef void (*Thunk)(void** args);
struct Register {
    Register(const void* kernel, Thunk thunk);
};
}  // namespace emu

inline void __syncthreads() { emu::syncthreads(); }
inline float __shfl_xor_sync(unsigned, float v, int lane_mask) { return emu::shfl_xor(v, lane_mask); }
// __expf as the GPU computes it: ex2.approx.ftz(x * log2 e), i.e. with the argument rounded to float after the
// multiply and results below FLT_MIN flushed to 0 (-inf gives 0, NaN stays NaN).
inline float __expf(float x) {
    const float r = std::exp2(x * 1.44269504088896341f);
    return r < 1.17549435e-38f ? 0.0f : r;
}
inline uint4 __ldcs(const uint4* p) { return *p; }
inline uint4 __ldcg(const uint4* p) { return *p; }
inline void __stcs(uint4* p, uint4 v) { *p = v; }
inline float __uint_as_float(unsigned u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
inline unsigned __float_as_uint(float f) {
    unsigned u;
    std::memcpy(&u, &f, 4);
    return u;
}
#define EAPO_BLOCK_SHARED(Type, name) Type& name = *static_cast<Type*>(emu::block_static_area())
template <class T>
T* dynamic_smem() {
    return static_cast<T*>(emu::dynamic_smem_ptr());
}

#endif  // EAPO4J_EMU_CUDA_H
