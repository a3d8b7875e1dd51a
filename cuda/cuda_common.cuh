// Shared device helpers of the eapo4j CUDA kernels (token_stats.cu, policy_loss.cu): dtype loads and stores,
// 16-byte vector loads, the per-thread online-softmax update and deterministic block reductions of
// eapo_softmax_acc. All per-row math (rebase, merge, lse, entropy, token loss, gradient element, bf16 rounding) comes
// from native/include/eapo4j_rowmath.h, which the CPU kernels use too: nothing here re-derives a formula.
#ifndef EAPO4J_CUDA_COMMON_CUH
#define EAPO4J_CUDA_COMMON_CUH

#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <float.h>
#include <stdint.h>

#include <utility>

#include "eapo4j.h"
#include "eapo4j_rowmath.h"

namespace eapo4j {
namespace cuda {

// Largest block any kernel here is launched with (the block reductions size their shared arrays with it).
constexpr int kMaxThreads = 1024;
constexpr int kMaxWarps = kMaxThreads / 32;

// ---- dtypes: storage type, elements per 16-byte vector, scalar conversions ----
template <int DT> struct Dtype;
template <> struct Dtype<EAPO_F32> {
    typedef float T;
    static constexpr int kVec = 4;
    static __device__ __forceinline__ float to_f32(T x) { return x; }
    static __device__ __forceinline__ T from_f32(float x) { return x; }
};
template <> struct Dtype<EAPO_BF16> {
    typedef uint16_t T;
    static constexpr int kVec = 8;
    static __device__ __forceinline__ float to_f32(T x) { return eapo_bf16_to_f32(x); }
    static __device__ __forceinline__ T from_f32(float x) { return eapo_f32_to_bf16(x); }  // RNE, as the CPU
};
template <> struct Dtype<EAPO_F16> {
    typedef uint16_t T;
    static constexpr int kVec = 8;
    static __device__ __forceinline__ float to_f32(T x) { return __half2float(__ushort_as_half(x)); }
    static __device__ __forceinline__ T from_f32(float x) { return __half_as_ushort(__float2half_rn(x)); }
};

// Unpacks one 16-byte vector into kVec floats.
template <int DT>
__device__ __forceinline__ void unpack(const uint4& v, float* out) {
    if constexpr (DT == EAPO_F32) {
        out[0] = __uint_as_float(v.x); out[1] = __uint_as_float(v.y);
        out[2] = __uint_as_float(v.z); out[3] = __uint_as_float(v.w);
    } else {
        const uint32_t w[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            out[2 * i] = Dtype<DT>::to_f32((uint16_t)(w[i] & 0xffffu));
            out[2 * i + 1] = Dtype<DT>::to_f32((uint16_t)(w[i] >> 16));
        }
    }
}

// Packs kVec floats into one 16-byte vector of the dtype, round to nearest even (one cvt.rn.{bf16,f16}x2.f32 per
// pair on sm_80+; the same values as eapo_f32_to_bf16 / the CPU's fp16 conversion, NaN payloads aside).
template <int DT>
__device__ __forceinline__ uint4 pack(const float* in) {
    uint4 v;
    if constexpr (DT == EAPO_F32) {
        v.x = __float_as_uint(in[0]); v.y = __float_as_uint(in[1]);
        v.z = __float_as_uint(in[2]); v.w = __float_as_uint(in[3]);
    } else {
        uint32_t w[4];
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            if constexpr (DT == EAPO_BF16) {
                __nv_bfloat162 h = __floats2bfloat162_rn(in[2 * i], in[2 * i + 1]);
                w[i] = *reinterpret_cast<uint32_t*>(&h);
            } else {
                __half2 h = __floats2half2_rn(in[2 * i], in[2 * i + 1]);
                w[i] = *reinterpret_cast<uint32_t*>(&h);
            }
        }
        v.x = w[0]; v.y = w[1]; v.z = w[2]; v.w = w[3];
    }
    return v;
}

// The kernel's dynamic shared memory, and its static shared state (one variable of a trivial struct type per
// kernel). cuda/dev/emu/emu_cuda.h supplies both when the kernels run under host emulation, where the CTAs of a
// cluster run concurrently and each needs its own copy.
#ifndef EAPO4J_HOST_EMULATION
template <class T>
__device__ __forceinline__ T* dynamic_smem() {
    extern __shared__ uint4 eapo4j_dynamic_smem[];
    return reinterpret_cast<T*>(eapo4j_dynamic_smem);
}
#define EAPO_BLOCK_SHARED(Type, name) __shared__ Type name
#endif

// Launches kernel<<<grid, block, smem, stream>>>(args...) through cudaLaunchKernelEx (plain C++, so the host code
// also compiles without nvcc for cuda/dev/emu/).
template <class... Expected, class... Actual>
inline cudaError_t launch_kernel(void (*kernel)(Expected...), unsigned grid, unsigned block, size_t smem,
                                 cudaStream_t stream, Actual&&... args) {
    cudaLaunchConfig_t cfg = {};
    cfg.gridDim = dim3(grid, 1, 1);
    cfg.blockDim = dim3(block, 1, 1);
    cfg.dynamicSmemBytes = smem;
    cfg.stream = stream;
    cudaError_t e = cudaLaunchKernelEx(&cfg, kernel, std::forward<Actual>(args)...);
    return e != cudaSuccess ? e : cudaGetLastError();
}

// Streaming 16-byte load: read once, do not keep in L1.
__device__ __forceinline__ uint4 load_stream(const uint4* p) { return __ldcs(p); }

// Row r of a logits tensor (eapo4j.h): element offset of its first entry.
__device__ __forceinline__ int64_t row_offset(int64_t r, int64_t rows_inner, int64_t stride_outer,
                                              int64_t stride_inner) {
    return (r / rows_inner) * stride_outer + (r % rows_inner) * stride_inner;
}

// Split of a row into a scalar head (up to the first 16-byte boundary), whole 16-byte vectors, and a scalar tail.
struct RowSplit {
    int head;      // scalars before the first vector
    int64_t nvec;  // whole vectors
    int tail;      // scalars after the last vector
};

template <int DT>
__device__ __forceinline__ RowSplit split_row(const void* row, int64_t vocab) {
    constexpr int esize = (int)sizeof(typename Dtype<DT>::T);
    constexpr int vec = Dtype<DT>::kVec;
    RowSplit s;
    int mis = (int)(((uintptr_t)row & 15u) / esize);
    int64_t head = mis == 0 ? 0 : vec - mis;
    if (head > vocab) head = vocab;
    s.head = (int)head;
    s.nvec = (vocab - head) / vec;
    s.tail = (int)(vocab - head - s.nvec * vec);
    return s;
}

// e^x with one multiply and one MUFU.EX2 (ex2.approx.ftz): results below 2^-126 flush to 0, which no sum or gradient
// here can see next to the row's largest term (1). __expf is ex2.approx without .ftz, which costs a compare and two
// predicated multiplies per element more on sm_90 (seen in the SASS): about a quarter of the statistics loop.
// -inf gives 0, NaN stays NaN.
__device__ __forceinline__ float exp_ftz(float x) {
#if defined(__CUDA_ARCH__)
    float y;
    asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x * 1.4426950408889634f));
    return y;
#else
    return __expf(x);  // host emulation: cuda/dev/emu/emu_cuda.h models ex2.approx.ftz
#endif
}

// ---- online softmax, per thread ----
// Per-thread accumulator of rowmath (eapo_softmax_acc). x are scaled logits z / tau of one chunk. The chunk's max is
// taken first so that the accumulator is rebased (one expf) at most once per chunk; every element then costs one
// exp_ftz (ex2.approx.ftz: exactly 0 for -inf, so masked vocabulary needs no branch); e * d is taken with d clamped to
// -FLT_MAX, so a masked entry adds 0 * (finite) = 0, never 0 * -inf = NaN.
// NaN / +inf need no per-element test: a NaN gives e = NaN, and a +inf becomes the max and gives d = inf - inf = NaN,
// so s turns NaN and stays NaN through every later rebase and merge (lse and H come out NaN, as on the CPU). Only a
// chunk whose max is -inf (all masked, or masked and NaN, since fmaxf drops NaN) or NaN (all NaN) skips the
// exponentials, and that rare branch looks for NaN explicitly.
template <int K>
__device__ __forceinline__ void acc_add(eapo_softmax_acc& acc, const float* x) {
    float cm = x[0];
#pragma unroll
    for (int i = 1; i < K; ++i) cm = fmaxf(cm, x[i]);
    if (!(cm > -INFINITY)) {
        bool nan = false;
#pragma unroll
        for (int i = 0; i < K; ++i) nan |= x[i] != x[i];
        if (nan) acc.s = NAN;
        return;
    }
    if (cm > acc.m) acc = eapo_acc_rebase(acc, cm);
    float s = 0.0f, t = 0.0f;
#pragma unroll
    for (int i = 0; i < K; ++i) {
        const float d = x[i] - acc.m;              // NaN stays NaN here, so s turns NaN
        const float e = exp_ftz(d);
        s += e;
        t = fmaf(e, fmaxf(d, -FLT_MAX), t);        // masked: e = 0 times a finite number, never 0 * -inf
    }
    acc.s += s;
    acc.t += t;
}

__device__ __forceinline__ eapo_softmax_acc shfl_acc(eapo_softmax_acc a, int offset) {
    eapo_softmax_acc b;
    b.m = __shfl_xor_sync(0xffffffffu, a.m, offset);
    b.s = __shfl_xor_sync(0xffffffffu, a.s, offset);
    b.t = __shfl_xor_sync(0xffffffffu, a.t, offset);
    return b;
}

// Butterfly merge within a warp. The merge order is fixed, so results are deterministic run to run. Every lane ends
// with the same value: a lane's merge(a, b) and its partner's merge(b, a) are bitwise equal because
// eapo_acc_merge is symmetric (max, two rebases, commutative adds).
__device__ __forceinline__ eapo_softmax_acc warp_merge(eapo_softmax_acc a) {
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) a = eapo_acc_merge(a, shfl_acc(a, off));
    return a;
}

// Block-wide merge of the per-thread accumulators. Result valid in every thread; deterministic (fixed tree).
// blockDim.x must be a multiple of 32 and at most kMaxThreads. Contains __syncthreads (call from all threads).
struct BlockAccScratch {
    eapo_softmax_acc warp[kMaxWarps];
    eapo_softmax_acc total;
};

__device__ __forceinline__ eapo_softmax_acc block_merge(eapo_softmax_acc a, BlockAccScratch& sh) {
    const int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, nw = blockDim.x >> 5;
    a = warp_merge(a);
    if (lane == 0) sh.warp[wid] = a;
    __syncthreads();
    if (wid == 0) {
        eapo_softmax_acc b = lane < nw ? sh.warp[lane] : eapo_acc_empty();
        b = warp_merge(b);
        if (lane == 0) sh.total = b;
    }
    __syncthreads();
    return sh.total;
}

}  // namespace cuda
}  // namespace eapo4j

#endif  // EAPO4J_CUDA_COMMON_CUH
