/*
 * Test and benchmark hooks of the CUDA build (not part of the public API in native/include/eapo4j.h).
 * cuda/dev/gpu_test.cu and cuda/dev/gpu_bench.cu use them to run every policy-loss path (cuda/policy_loss.cu) on the same
 * inputs. The symbols exist only in builds with CUDA.
 */
#ifndef EAPO4J_CUDA_DEBUG_H
#define EAPO4J_CUDA_DEBUG_H

#ifdef __cplusplus
extern "C" {
#endif

/* Policy-loss path: 0 auto (default), 1 re-read (two passes, L2), 2 row in one CTA's shared memory,
 * 3 row in a thread-block cluster's shared memory (sm_90+). A forced path that cannot run on this device or
 * for this V falls back to 1. Process-wide; returns the previous setting. */
int eapo_cuda_debug_set_loss_path(int path);

/* What the calling thread's last eapo_policy_loss_cuda launch used: returns the path (1, 2 or 3, 0 if none yet)
 * and writes the cluster size, threads per CTA and dynamic shared memory per CTA when the pointers are not NULL. */
int eapo_cuda_debug_last_loss_path(int* cluster_size, int* threads, int* smem_bytes);

#ifdef __cplusplus
}
#endif

#endif /* EAPO4J_CUDA_DEBUG_H */
