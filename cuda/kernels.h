// Host-side interface between api_cuda.cu (argument checks, scratch memory, loss reduction) and the two kernel files
// (token_stats.cu, policy_loss.cu). Pointers here are device pointers that api_cuda.cu has already validated.
#ifndef EAPO4J_CUDA_KERNELS_H
#define EAPO4J_CUDA_KERNELS_H

#include <cuda_runtime.h>
#include <stdint.h>

namespace eapo4j {
namespace cuda {

// What both kernels read: the logits rows (eapo4j.h geometry), the targets and 1 / temperature.
struct RowsParams {
    const void* logits;
    int64_t n_rows, rows_inner, stride_outer, stride_inner, vocab;
    const int64_t* targets;
    float inv_tau;
};

struct TokenStatsParams : RowsParams {
    float* logp;     // may be NULL
    float* entropy;  // may be NULL
};

struct PolicyLossParams : RowsParams {
    const float* old_logp;
    const float* ref_logp;  // NULL when use_kl == 0
    const float* advantages;
    const float* weights;
    const float* coefs;
    float clip_low, clip_high, dual_clip, kl_beta, entropy_coef;
    int use_kl;
    float* token_loss;  // each output may be NULL
    float* logp;
    float* entropy;
    uint8_t* flags;
    double* row_loss;   // [n_rows] c_t * l_t for the deterministic batch-loss reduction, or NULL
    void* grad;         // NULL: forward only
    int64_t grad_stride_outer, grad_stride_inner;
};

// How the policy-loss kernel keeps a row between its statistics and its gradient (see policy_loss.cu).
enum LossPath {
    kPathAuto = 0,
    kPathReread = 1,   // one CTA per row, second pass re-reads the row (from L2 when it is still there)
    kPathSmem = 2,     // one CTA per row, row held in shared memory
    kPathCluster = 3   // a cluster of K CTAs per row (sm_90+), row held in the cluster's shared memory (DSMEM merge)
};

struct LossLaunchInfo {
    int path;          // LossPath actually used
    int cluster_size;  // K (1 unless kPathCluster)
    int threads;
    int smem_bytes;    // dynamic shared memory per CTA
};

cudaError_t launch_token_stats(const TokenStatsParams& p, int dtype, cudaStream_t stream);

// requested: a LossPath; kPathAuto picks by device and V. A forced path that cannot run falls back to kPathReread.
cudaError_t launch_policy_loss(const PolicyLossParams& p, int dtype, int requested, cudaStream_t stream,
                               LossLaunchInfo* info);

// out[0] = sum_r row_loss[r] in a fixed order (one block; deterministic run to run).
cudaError_t launch_loss_reduce(const double* row_loss, int64_t n, double* out, cudaStream_t stream);

}  // namespace cuda
}  // namespace eapo4j

#endif  // EAPO4J_CUDA_KERNELS_H
