// Fused AdamW step, CUDA (eapo_adamw_args in native/include/eapo4j.h): one pass over the parameter, its gradient and
// its two moments, in place. The CPU twin is native/src/adamw_cpu.cpp; both take the scalars (prepared once per call
// in double by api_cuda.cu) and the order of float32 operations from native/include/eapo4j_adamw.h, whose __f*_rn
// intrinsics keep nvcc from contracting a * b + c into an FMA: the GPU gives the CPU's bits.
//
// Why it is enough: the op is a pure stream (16 or 24 bytes read and written per element for bf16 / fp32 state), so
// the only cost that matters is memory traffic. Each thread handles kUnroll elements per grid-stride iteration with
// all loads issued before the math, consecutive threads touching consecutive elements (coalesced 2- and 4-byte
// accesses). No shared memory, no reductions, no atomics: each element is independent, so the result does not
// depend on the launch shape.
// Checked against the CPU kernel by cuda/dev/gpu_test.cu (--adamw), also under host emulation (cuda/dev/emu/).
#include "cuda_common.cuh"
#include "eapo4j_adamw.h"
#include "kernels.h"

namespace eapo4j {
namespace cuda {

namespace {

constexpr int kAdamwThreads = 256;
constexpr int kAdamwUnroll = 4;

template <int PD, int GD, int SD>
__global__ void __launch_bounds__(kAdamwThreads) adamw_kernel(AdamwParams p) {
    typedef Dtype<PD> P;
    typedef Dtype<GD> G;
    typedef Dtype<SD> S;
    typename P::T* param = static_cast<typename P::T*>(p.param);
    const typename G::T* grad = static_cast<const typename G::T*>(p.grad);
    typename S::T* m = static_cast<typename S::T*>(p.exp_avg);
    typename S::T* v = static_cast<typename S::T*>(p.exp_avg_sq);
    const int64_t stride = (int64_t)gridDim.x * blockDim.x * kAdamwUnroll;
    for (int64_t base = (int64_t)blockIdx.x * blockDim.x * kAdamwUnroll + threadIdx.x; base < p.n; base += stride) {
        float pv[kAdamwUnroll], gv[kAdamwUnroll], mv[kAdamwUnroll], vv[kAdamwUnroll];
#pragma unroll
        for (int u = 0; u < kAdamwUnroll; ++u) {
            const int64_t i = base + (int64_t)u * blockDim.x;
            if (i < p.n) {
                pv[u] = P::to_f32(param[i]);
                gv[u] = G::to_f32(grad[i]);
                mv[u] = S::to_f32(m[i]);
                vv[u] = S::to_f32(v[i]);
            }
        }
#pragma unroll
        for (int u = 0; u < kAdamwUnroll; ++u) {
            const int64_t i = base + (int64_t)u * blockDim.x;
            if (i < p.n) {
                float m_new, v_new;
                eapo_adamw_moments(gv[u], mv[u], vv[u], p.c, &m_new, &v_new);
                const typename S::T m_st = S::from_f32(m_new), v_st = S::from_f32(v_new);
                m[i] = m_st;
                v[i] = v_st;
                param[i] = P::from_f32(eapo_adamw_param(pv[u], S::to_f32(m_st), S::to_f32(v_st), p.c));
            }
        }
    }
}

template <int PD, int GD, int SD>
cudaError_t launch(const AdamwParams& p, cudaStream_t stream) {
    const int64_t per_block = (int64_t)kAdamwThreads * kAdamwUnroll;
    int64_t blocks = (p.n + per_block - 1) / per_block;
    if (blocks > 65536) blocks = 65536;  // grid-stride beyond: a few waves of the largest GPU
    return launch_kernel(adamw_kernel<PD, GD, SD>, (unsigned)blocks, (unsigned)kAdamwThreads, 0, stream, p);
}

template <int PD>
cudaError_t launch_param(const AdamwParams& p, cudaStream_t stream) {
    const bool g32 = p.grad_dtype == EAPO_F32, s32 = p.state_dtype == EAPO_F32;
    if (g32 && s32) return launch<PD, EAPO_F32, EAPO_F32>(p, stream);
    if (g32) return launch<PD, EAPO_F32, PD>(p, stream);
    if (s32) return launch<PD, PD, EAPO_F32>(p, stream);
    return launch<PD, PD, PD>(p, stream);
}

}  // namespace

cudaError_t launch_adamw(const AdamwParams& p, cudaStream_t stream) {
    if (p.n == 0) return cudaSuccess;
    switch (p.param_dtype) {
        case EAPO_F32: return launch<EAPO_F32, EAPO_F32, EAPO_F32>(p, stream);
        case EAPO_BF16: return launch_param<EAPO_BF16>(p, stream);
        default: return launch_param<EAPO_F16>(p, stream);
    }
}

}  // namespace cuda
}  // namespace eapo4j
