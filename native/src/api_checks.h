// Argument checks shared by the two C API front ends (api_cpu.cpp and cuda/api_cuda.cu): the row geometry, the
// temperature and the policy-loss inputs. Each front end adds what only it can check (the CPU scans the targets in
// host memory; CUDA checks alignment and that pointers are device memory).
#ifndef EAPO4J_API_CHECKS_H
#define EAPO4J_API_CHECKS_H

#include <math.h>
#include <stdint.h>

#include "eapo4j.h"
#include "status.h"

namespace eapo4j {

inline int check_geometry(const void* logits, int dtype, int64_t rows_outer, int64_t rows_inner,
                          int64_t stride_outer, int64_t stride_inner, int64_t vocab, const int64_t* targets,
                          char* err, int err_len) {
    if (logits == nullptr) return set_error(err, err_len, EAPO_EINVAL, "logits is NULL");
    if (dtype != EAPO_F32 && dtype != EAPO_BF16 && dtype != EAPO_F16)
        return set_error(err, err_len, EAPO_EINVAL, "unknown dtype %d", dtype);
    if (rows_outer < 0 || rows_inner <= 0 || vocab <= 0)
        return set_error(err, err_len, EAPO_EINVAL, "bad shape: rows_outer=%lld rows_inner=%lld vocab=%lld",
                         (long long)rows_outer, (long long)rows_inner, (long long)vocab);
    if (rows_outer > INT64_MAX / rows_inner)
        return set_error(err, err_len, EAPO_EINVAL, "rows_outer * rows_inner overflows");
    if (stride_outer < 0 || stride_inner < 0)
        return set_error(err, err_len, EAPO_EINVAL, "negative stride: stride_outer=%lld stride_inner=%lld",
                         (long long)stride_outer, (long long)stride_inner);
    if (targets == nullptr && rows_outer > 0) return set_error(err, err_len, EAPO_EINVAL, "targets is NULL");
    return EAPO_OK;
}

inline int check_temperature(float temperature, char* err, int err_len) {
    if (!(temperature > 0.0f) || temperature == INFINITY)
        return set_error(err, err_len, EAPO_EINVAL, "temperature must be finite and > 0");
    return EAPO_OK;
}

// The policy loss's per-token inputs and its configuration (pointers not yet checked for their memory kind).
inline int check_loss_inputs(const float* old_logp, const float* advantages, const float* weights,
                             const float* coefs, const eapo_loss_config* cfg, char* err, int err_len) {
    if (cfg == nullptr) return set_error(err, err_len, EAPO_EINVAL, "cfg is NULL");
    if (old_logp == nullptr || advantages == nullptr || weights == nullptr || coefs == nullptr)
        return set_error(err, err_len, EAPO_EINVAL, "an input array (old_logp, advantages, weights, coefs) is NULL");
    int st = check_temperature(cfg->temperature, err, err_len);
    if (st != EAPO_OK) return st;
    if (!(cfg->kl_beta >= 0.0f)) return set_error(err, err_len, EAPO_EINVAL, "kl_beta must be >= 0");
    return EAPO_OK;
}

}  // namespace eapo4j

#endif  // EAPO4J_API_CHECKS_H
