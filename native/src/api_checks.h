// Argument checks shared by the two C API front ends (api_cpu.cpp and cuda/api_cuda.cu): the args struct, the row
// geometry, the temperature and the policy-loss inputs. Each front end adds what only it can check (the CPU scans the
// targets in host memory; CUDA checks alignment and that pointers are device memory).
#ifndef EAPO4J_API_CHECKS_H
#define EAPO4J_API_CHECKS_H

#include <math.h>
#include <stdint.h>

#include "eapo4j.h"
#include "status.h"

namespace eapo4j {

// The logits rows: the fields both args structs start with (eapo_token_stats_args, eapo_policy_loss_args).
template <class Args>
inline int check_geometry(const Args& a, char* err, int err_len) {
    if (a.logits == nullptr) return set_error(err, err_len, EAPO_EINVAL, "logits is NULL");
    if (a.dtype != EAPO_F32 && a.dtype != EAPO_BF16 && a.dtype != EAPO_F16)
        return set_error(err, err_len, EAPO_EINVAL, "unknown dtype %d", a.dtype);
    if (a.rows_outer < 0 || a.rows_inner <= 0 || a.vocab <= 0)
        return set_error(err, err_len, EAPO_EINVAL, "bad shape: rows_outer=%lld rows_inner=%lld vocab=%lld",
                         (long long)a.rows_outer, (long long)a.rows_inner, (long long)a.vocab);
    if (a.rows_outer > INT64_MAX / a.rows_inner)
        return set_error(err, err_len, EAPO_EINVAL, "rows_outer * rows_inner overflows");
    if (a.stride_outer < 0 || a.stride_inner < 0)
        return set_error(err, err_len, EAPO_EINVAL, "negative stride: stride_outer=%lld stride_inner=%lld",
                         (long long)a.stride_outer, (long long)a.stride_inner);
    if (a.targets == nullptr && a.rows_outer > 0) return set_error(err, err_len, EAPO_EINVAL, "targets is NULL");
    return EAPO_OK;
}

inline int check_temperature(float temperature, char* err, int err_len) {
    if (!(temperature > 0.0f) || temperature == INFINITY)
        return set_error(err, err_len, EAPO_EINVAL, "temperature must be finite and > 0");
    return EAPO_OK;
}

inline int check_args(const eapo_token_stats_args* a, char* err, int err_len) {
    if (a == nullptr) return set_error(err, err_len, EAPO_EINVAL, "args is NULL");
    int st = check_geometry(*a, err, err_len);
    if (st != EAPO_OK) return st;
    st = check_temperature(a->temperature, err, err_len);
    if (st != EAPO_OK) return st;
    if (a->logp == nullptr || a->entropy == nullptr)
        return set_error(err, err_len, EAPO_EINVAL, "output pointer is NULL");
    return EAPO_OK;
}

// The policy loss's geometry, per-token inputs, hyper-parameters and gradient strides (pointers not yet checked for
// their memory kind).
inline int check_args(const eapo_policy_loss_args* a, char* err, int err_len) {
    if (a == nullptr) return set_error(err, err_len, EAPO_EINVAL, "args is NULL");
    int st = check_geometry(*a, err, err_len);
    if (st != EAPO_OK) return st;
    if (a->old_logp == nullptr || a->advantages == nullptr || a->weights == nullptr || a->coefs == nullptr)
        return set_error(err, err_len, EAPO_EINVAL, "an input array (old_logp, advantages, weights, coefs) is NULL");
    st = check_temperature(a->temperature, err, err_len);
    if (st != EAPO_OK) return st;
    if (!(a->kl_beta >= 0.0f)) return set_error(err, err_len, EAPO_EINVAL, "kl_beta must be >= 0");
    if (a->grad != nullptr && (a->grad_stride_outer < 0 || a->grad_stride_inner < 0))
        return set_error(err, err_len, EAPO_EINVAL, "negative grad stride");
    return EAPO_OK;
}

}  // namespace eapo4j

#endif  // EAPO4J_API_CHECKS_H
