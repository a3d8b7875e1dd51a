// Fused token statistics, CUDA (SPEC.md "Token statistics"): per row r of the logits,
//   logp[r] = (z_y / tau - m) - log s = z_y / tau - lse   and   entropy[r] = H = lse - sum_v p_v z_v / tau,
// for fp32 / bf16 / fp16 logits, fp32 accumulation. The CPU twin is native/src/token_stats_cpu.cpp; both take
// their per-row math (online-softmax accumulator, rebase/merge, lse, entropy) from native/include/eapo4j_rowmath.h.
//
// Why it is fast: the op is a pure streaming reduction, so the only cost that matters is reading the logits once.
//  - one CTA per row (1-D grid, grid-stride over rows, so N is not limited to 65,535), 16-byte vector loads with the
//    streaming cache hint (__ldcs), U = 8 independent loads in flight per thread before any math (predicated at the
//    end of the row rather than a serial remainder loop: at V = 32,000 that loop made the row cost twice the
//    latencies, 70% of copy bandwidth on an H100), enough bytes in flight per SM to cover HBM latency;
//  - single pass: every thread keeps a running (max, sum e, sum e*d) accumulator; the chunk max is taken first so
//    the accumulator is rebased at most once per 16-byte vector and each element costs one exp_ftz (ex2.approx.ftz,
//    exact 0 for -inf entries, so masked vocabulary needs no branch);
//  - warp-shuffle then shared-memory merges with eapo_acc_merge in a fixed order (deterministic);
//  - rows of any alignment (strided [B, T, V] views): scalar head up to the first 16-byte boundary, vector body,
//    scalar tail.
// Built and tested through CMake (cuda/cuda.cmake); checked against the CPU kernel and a float64 reference by
// cuda/dev/gpu_test.cu, timed by cuda/dev/gpu_bench.cu (see cuda/gpu-check.sh).
#include "cuda_common.cuh"
#include "kernels.h"

namespace eapo4j {
namespace cuda {

namespace {

constexpr int kThreads = 256;
constexpr int kUnroll = 8;  // 16-byte loads in flight per thread: 32 KB per CTA, 4+ CTAs per SM

template <int DT>
__global__ void __launch_bounds__(kThreads, 4) token_stats_kernel(TokenStatsParams p) {
    typedef Dtype<DT> D;
    typedef typename D::T T;
    constexpr int VEC = D::kVec;
    EAPO_BLOCK_SHARED(BlockAccScratch, scratch);
    const int tid = threadIdx.x, nthr = blockDim.x;

    for (int64_t r = blockIdx.x; r < p.n_rows; r += gridDim.x) {
        const T* row = static_cast<const T*>(p.logits) + row_offset(r, p.rows_inner, p.stride_outer, p.stride_inner);
        const RowSplit sp = split_row<DT>(row, p.vocab);
        float zy = 0.0f;
        if (tid == 0) {  // the target logit, loaded early so its latency hides behind the row
            const int64_t y = p.targets[r];
            zy = (y >= 0 && y < p.vocab) ? D::to_f32(row[y]) * p.inv_tau : NAN;  // bad target: NaN row, no OOB read
        }
        eapo_softmax_acc acc = eapo_acc_empty();
        if (tid < sp.head) {
            float x = D::to_f32(row[tid]) * p.inv_tau;
            acc_add<1>(acc, &x);
        }
        if (tid >= nthr - sp.tail) {
            float x = D::to_f32(row[p.vocab - (nthr - tid)]) * p.inv_tau;
            acc_add<1>(acc, &x);
        }
        // Every batch issues all its kUnroll loads (predicated at the end of the row) before the first use, so a
        // row costs ceil(nvec / (kUnroll * nthr)) memory latencies, with no serial remainder loop.
        const uint4* vrow = reinterpret_cast<const uint4*>(row + sp.head);
        for (int64_t base = tid; base < sp.nvec; base += kUnroll * (int64_t)nthr) {
            uint4 v[kUnroll];
#pragma unroll
            for (int u = 0; u < kUnroll; ++u)
                if (base + u * nthr < sp.nvec) v[u] = load_stream(vrow + base + u * nthr);
#pragma unroll
            for (int u = 0; u < kUnroll; ++u) {
                if (base + u * nthr < sp.nvec) {
                    float x[VEC];
                    unpack<DT>(v[u], x);
#pragma unroll
                    for (int k = 0; k < VEC; ++k) x[k] *= p.inv_tau;
                    acc_add<VEC>(acc, x);
                }
            }
        }
        acc = block_merge(acc, scratch);
        if (tid == 0) {
            if (p.logp) p.logp[r] = eapo_acc_logp(acc, zy);
            if (p.entropy) p.entropy[r] = eapo_acc_entropy(acc);
        }
    }
}

template <int DT>
cudaError_t launch(const TokenStatsParams& p, cudaStream_t stream) {
    constexpr int VEC = Dtype<DT>::kVec;
    // Fewer threads for short rows (each thread should get a few vectors); always a whole number of warps.
    int64_t want = (p.vocab / VEC + kUnroll - 1) / kUnroll;
    int threads = want >= kThreads ? kThreads : (int)((want + 31) / 32 * 32);
    if (threads < 32) threads = 32;
    int64_t grid = p.n_rows < 2147483647LL ? p.n_rows : 2147483647LL;
    return launch_kernel(token_stats_kernel<DT>, (unsigned)grid, (unsigned)threads, 0, stream, p);
}

}  // namespace

cudaError_t launch_token_stats(const TokenStatsParams& p, int dtype, cudaStream_t stream) {
    if (p.n_rows == 0) return cudaSuccess;
    switch (dtype) {
        case EAPO_F32: return launch<EAPO_F32>(p, stream);
        case EAPO_BF16: return launch<EAPO_BF16>(p, stream);
        default: return launch<EAPO_F16>(p, stream);
    }
}

}  // namespace cuda
}  // namespace eapo4j
