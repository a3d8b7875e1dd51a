// Host-side interface between api_cuda.cu (argument checks, scratch memory, loss reduction) and the two kernel files
// (token_stats.cu, policy_loss.cu). Pointers here are device pointers that api_cuda.cu has already validated.
#ifndef EAPO4J_CUDA_KERNELS_H
#define EAPO4J_CUDA_KERNELS_H

#include <cuda_runtime.h>
#include <stdint.h>

#include "eapo4j.h"
#include "eapo4j_adamw.h"

namespace eapo4j {
namespace cuda {

// What a kernel gets by value: the caller's args struct (native/include/eapo4j.h) as it is, plus the few values
// api_cuda.cu derives from it once per call (token_stats_params / policy_loss_params there).
struct TokenStatsParams : eapo_token_stats_args {
    int64_t n_rows;  // rows_outer * rows_inner
    float inv_tau;   // 1 / temperature
};

struct PolicyLossParams : eapo_policy_loss_args {
    int64_t n_rows;
    float inv_tau;
    int use_kl;        // ref_logp != NULL and kl_beta > 0: the KL term is in the loss
    int has_ref;       // ref_logp is read: use_kl, or the k3 output kl is wanted (ref_logp is NULL otherwise)
    double* row_loss;  // [n_rows] c_t * l_t for the deterministic batch-loss reduction, or NULL
};

struct SampleParams : eapo_sample_args {
    int64_t n_rows;
    float inv_tau;  // 1 / temperature (0 when greedy)
    int greedy;     // temperature == 0
};

struct AdamwParams : eapo_adamw_args {
    eapo_adamw_consts c;  // the float32 scalars, prepared once per call in double (eapo_adamw_prepare)
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

// One id per row (sampling.cu); a bad row gets ids[r] = -1 (NaN / +inf) or -2 (no finite logit).
cudaError_t launch_sample(const SampleParams& p, int dtype, cudaStream_t stream);

// One AdamW step over p.n elements in place (adamw.cu).
cudaError_t launch_adamw(const AdamwParams& p, cudaStream_t stream);

// out[0] = sum_r row_loss[r] in a fixed order (one block; deterministic run to run).
cudaError_t launch_loss_reduce(const double* row_loss, int64_t n, double* out, cudaStream_t stream);

}  // namespace cuda
}  // namespace eapo4j

#endif  // EAPO4J_CUDA_KERNELS_H
