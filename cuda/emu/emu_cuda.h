// Host emulation of the few CUDA device features the eapo4j kernels use, so that the kernels in cuda/*.cu (the same
// source, not a copy) can run on a CPU-only machine: each CUDA thread of a block is a std::thread, __syncthreads is a
// std::barrier, warp shuffles go through a per-warp exchange array, __shared__ variables are static (one block runs
// at a time), and the CUDA runtime calls are answered by emu_runtime.cpp with host memory.
// What this can check: indexing, row splitting, head/tail handling, the phase-1/phase-2 slot ownership, the
// per-row math, NaN/-inf handling, the API layer and the whole gpu_test.cu harness. What it cannot: cluster/DSMEM
// (the cluster path is reported as not fitting, so it falls back), real memory ordering, performance.
// Included first by every cuda/emu/*.cpp file; see cuda/emu/run_host_emulation.sh.
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
typedef void (*Thunk)(void** args);
struct Register {
    Register(const void* kernel, Thunk thunk);
};
}  // namespace emu

inline void __syncthreads() { emu::syncthreads(); }
inline float __shfl_xor_sync(unsigned, float v, int lane_mask) { return emu::shfl_xor(v, lane_mask); }
inline float __expf(float x) { return std::exp(x); }
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
template <class T>
T* dynamic_smem() {
    return static_cast<T*>(emu::dynamic_smem_ptr());
}

#endif  // EAPO4J_EMU_CUDA_H
