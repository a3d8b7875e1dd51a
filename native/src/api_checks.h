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

// The logits rows: the fields every args struct starts with.
template <class Args>
inline int check_rows(const Args& a, char* err, int err_len) {
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
    return EAPO_OK;
}

// The logits rows and the targets (eapo_token_stats_args, eapo_policy_loss_args).
template <class Args>
inline int check_geometry(const Args& a, char* err, int err_len) {
    int st = check_rows(a, err, err_len);
    if (st != EAPO_OK) return st;
    if (a.targets == nullptr && a.rows_outer > 0) return set_error(err, err_len, EAPO_EINVAL, "targets is NULL");
    return EAPO_OK;
}

// Sampling: the rows, the filter settings and the outputs (the values in valid_vocab and uniforms are checked by
// the front end that can read them: the CPU scans host memory; CUDA trusts the Java layer and clamps).
inline int check_args(const eapo_sample_args* a, char* err, int err_len) {
    if (a == nullptr) return set_error(err, err_len, EAPO_EINVAL, "args is NULL");
    int st = check_rows(*a, err, err_len);
    if (st != EAPO_OK) return st;
    if (!(a->temperature >= 0.0) || a->temperature == INFINITY)
        return set_error(err, err_len, EAPO_EINVAL, "temperature must be 0 (greedy) or finite and > 0");
    if (a->vocab > INT32_MAX) return set_error(err, err_len, EAPO_EINVAL, "vocab must be < 2^31 for sampling");
    if (a->top_k < 0) return set_error(err, err_len, EAPO_EINVAL, "top_k must be >= 0");
    if (!(a->top_p > 0.0 && a->top_p <= 1.0)) return set_error(err, err_len, EAPO_EINVAL, "top_p must be in (0, 1]");
    if (!(a->min_p >= 0.0 && a->min_p <= 1.0)) return set_error(err, err_len, EAPO_EINVAL, "min_p must be in [0, 1]");
    const int64_t n = a->rows_outer * a->rows_inner;
    if (n > 0 && a->ids == nullptr) return set_error(err, err_len, EAPO_EINVAL, "ids is NULL");
    if (n > 0 && a->uniforms == nullptr && a->temperature > 0.0)
        return set_error(err, err_len, EAPO_EINVAL, "uniforms is NULL (needed unless temperature == 0)");
    return EAPO_OK;
}

// The message of a failed sampling row.
inline int sample_row_error(char* err, int err_len, int64_t row, int reason) {
    if (reason == 1)
        return set_error(err, err_len, EAPO_EINVAL, "row %lld of logits holds NaN or +inf among its valid ids",
                         (long long)row);
    return set_error(err, err_len, EAPO_EINVAL, "row %lld of logits has no finite logit among its valid ids",
                     (long long)row);
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

// A byte range [begin, end) of one argument; empty (begin == end) when the pointer is NULL.
struct ArgSpan {
    const char* name;
    uintptr_t begin, end;
};

inline ArgSpan arg_span(const char* name, const void* p, uint64_t bytes) {
    const uintptr_t b = (uintptr_t)p;
    return {name, b, p == nullptr ? b : b + (uintptr_t)bytes};
}

// First to one past the last element of the rows of a geometry (a bounding range: the gaps between padded rows are
// counted in). 0 when it would not fit in 63 bits, which no real allocation does; the range is then left out.
inline uint64_t rows_span_bytes(int64_t rows_outer, int64_t rows_inner, int64_t stride_outer, int64_t stride_inner,
                                int64_t vocab, int dtype) {
    const uint64_t lim = (uint64_t)INT64_MAX / 4;
    const uint64_t so = (uint64_t)stride_outer, si = (uint64_t)stride_inner;
    const uint64_t ro = (uint64_t)(rows_outer - 1), ri = (uint64_t)(rows_inner - 1);
    if ((ro != 0 && so > lim / ro) || (ri != 0 && si > lim / ri) || (uint64_t)vocab > lim) return 0;
    const uint64_t last = ro * so + ri * si + (uint64_t)vocab;
    if (last > lim) return 0;
    return last * (dtype == EAPO_F32 ? 4u : 2u);
}

// No [N] output (token_loss, logp, entropy, kl, flags) shares memory with an input or another output: the kernels
// read the inputs of a row while they write its outputs, so an overlap gives wrong values, not an error.
// The gradient is compared with the [N] arrays only (it may alias the logits exactly for an in-place gradient).
inline int check_disjoint_outputs(const eapo_policy_loss_args& a, char* err, int err_len) {
    const int64_t n = a.rows_outer * a.rows_inner;
    if (n == 0 || (uint64_t)n > (uint64_t)INT64_MAX / 8) return EAPO_OK;
    const uint64_t f4 = (uint64_t)n * 4;
    const ArgSpan outs[] = {arg_span("token_loss", a.token_loss, f4), arg_span("logp", a.logp, f4),
                            arg_span("entropy", a.entropy, f4),       arg_span("kl", a.kl, f4),
                            arg_span("flags", a.flags, (uint64_t)n)};
    const ArgSpan ins[] = {
        arg_span("logits", a.logits, rows_span_bytes(a.rows_outer, a.rows_inner, a.stride_outer, a.stride_inner,
                                                     a.vocab, a.dtype)),
        arg_span("grad", a.grad, rows_span_bytes(a.rows_outer, a.rows_inner, a.grad_stride_outer,
                                                 a.grad_stride_inner, a.vocab, a.dtype)),
        arg_span("targets", a.targets, (uint64_t)n * 8), arg_span("old_logp", a.old_logp, f4),
        arg_span("ref_logp", a.ref_logp, f4),            arg_span("advantages", a.advantages, f4),
        arg_span("weights", a.weights, f4),              arg_span("coefs", a.coefs, f4),
        arg_span("seq_log_ratio", a.seq_log_ratio, f4),  arg_span("abs_kl_coef", a.abs_kl_coef, f4),
        arg_span("pg_keep", a.pg_keep, (uint64_t)n)};
    auto overlap = [](const ArgSpan& x, const ArgSpan& y) { return x.begin < y.end && y.begin < x.end; };
    const int n_outs = (int)(sizeof outs / sizeof outs[0]), n_ins = (int)(sizeof ins / sizeof ins[0]);
    for (int i = 0; i < n_outs; ++i) {
        for (int j = 0; j < n_ins; ++j)
            if (overlap(outs[i], ins[j]))
                return set_error(err, err_len, EAPO_EINVAL, "output %s overlaps %s: outputs must not share memory",
                                 outs[i].name, ins[j].name);
        for (int j = i + 1; j < n_outs; ++j)
            if (overlap(outs[i], outs[j]))
                return set_error(err, err_len, EAPO_EINVAL, "output %s overlaps output %s", outs[i].name,
                                 outs[j].name);
    }
    return EAPO_OK;
}

// The policy loss's geometry, per-token inputs, hyper-parameters, gradient strides and that no [N] output overlaps
// another argument (pointers not yet checked for their memory kind).
inline int check_args(const eapo_policy_loss_args* a, char* err, int err_len) {
    if (a == nullptr) return set_error(err, err_len, EAPO_EINVAL, "args is NULL");
    int st = check_geometry(*a, err, err_len);
    if (st != EAPO_OK) return st;
    if (a->old_logp == nullptr || a->advantages == nullptr || a->weights == nullptr || a->coefs == nullptr)
        return set_error(err, err_len, EAPO_EINVAL, "an input array (old_logp, advantages, weights, coefs) is NULL");
    st = check_temperature(a->temperature, err, err_len);
    if (st != EAPO_OK) return st;
    if (!(a->kl_beta >= 0.0f)) return set_error(err, err_len, EAPO_EINVAL, "kl_beta must be >= 0");
    if (a->loss_type != EAPO_LOSS_CLIPPED && a->loss_type != EAPO_LOSS_CISPO && a->loss_type != EAPO_LOSS_UNCLIPPED)
        return set_error(err, err_len, EAPO_EINVAL, "unknown loss_type %d", a->loss_type);
    if (!isfinite(a->entropy_threshold))
        return set_error(err, err_len, EAPO_EINVAL, "entropy_threshold must be finite");
    if (a->grad != nullptr && (a->grad_stride_outer < 0 || a->grad_stride_inner < 0))
        return set_error(err, err_len, EAPO_EINVAL, "negative grad stride");
    return check_disjoint_outputs(*a, err, err_len);
}


// The bf16 linear: pointers, sizes, row strides, and that y shares no memory with x, W or bias (the kernel writes y
// while it still reads them).
inline int check_args(const eapo_linear_args* a, char* err, int err_len) {
    if (a == nullptr) return set_error(err, err_len, EAPO_EINVAL, "linear_bf16: args is NULL");
    if (a->x == nullptr || a->weight == nullptr || a->y == nullptr)
        return set_error(err, err_len, EAPO_EINVAL, "linear_bf16: x, weight and y must not be NULL");
    if (a->m < 0 || a->k < 1 || a->n < 1)
        return set_error(err, err_len, EAPO_EINVAL,
                         "linear_bf16: m >= 0, k >= 1 and n >= 1 required (m=%lld k=%lld n=%lld)", (long long)a->m,
                         (long long)a->k, (long long)a->n);
    if (a->x_row_stride < a->k || a->w_row_stride < a->k || a->y_row_stride < a->n)
        return set_error(err, err_len, EAPO_EINVAL, "linear_bf16: a row stride is shorter than its row");
    if (a->m == 0) return EAPO_OK;
    auto rows_bytes = [](int64_t rows, int64_t stride, int64_t len) { return 2 * (uint64_t)((rows - 1) * stride + len); };
    const ArgSpan y = arg_span("y", a->y, rows_bytes(a->m, a->y_row_stride, a->n));
    const ArgSpan ins[] = {arg_span("x", a->x, rows_bytes(a->m, a->x_row_stride, a->k)),
                           arg_span("weight", a->weight, rows_bytes(a->n, a->w_row_stride, a->k)),
                           arg_span("bias", a->bias, a->bias == nullptr ? 0 : 2 * (uint64_t)a->n)};
    for (const ArgSpan& in : ins)
        if (y.begin < in.end && in.begin < y.end)
            return set_error(err, err_len, EAPO_EINVAL, "linear_bf16: y overlaps x, weight or bias");
    return EAPO_OK;
}

// The AdamW step: pointers, n, dtype combinations, hyper-parameters, and that the four arrays do not overlap (the
// kernel reads an element of each and writes three of them: an overlap would silently mix parameters and moments).
inline int check_args(const eapo_adamw_args* a, char* err, int err_len) {
    if (a == nullptr) return set_error(err, err_len, EAPO_EINVAL, "args is NULL");
    if (a->n < 0) return set_error(err, err_len, EAPO_EINVAL, "n must be >= 0, got %lld", (long long)a->n);
    auto known = [](int d) { return d == EAPO_F32 || d == EAPO_BF16 || d == EAPO_F16; };
    if (!known(a->param_dtype)) return set_error(err, err_len, EAPO_EINVAL, "unknown param_dtype %d", a->param_dtype);
    if (a->grad_dtype != a->param_dtype && a->grad_dtype != EAPO_F32)
        return set_error(err, err_len, EAPO_EINVAL, "grad_dtype %d must be param_dtype (%d) or EAPO_F32",
                         a->grad_dtype, a->param_dtype);
    if (a->state_dtype != a->param_dtype && a->state_dtype != EAPO_F32)
        return set_error(err, err_len, EAPO_EINVAL, "state_dtype %d must be param_dtype (%d) or EAPO_F32",
                         a->state_dtype, a->param_dtype);
    if (!(isfinite(a->lr) && a->lr >= 0.0)) return set_error(err, err_len, EAPO_EINVAL, "lr must be finite and >= 0");
    if (!(a->beta1 >= 0.0 && a->beta1 < 1.0)) return set_error(err, err_len, EAPO_EINVAL, "beta1 must be in [0, 1)");
    if (!(a->beta2 >= 0.0 && a->beta2 < 1.0)) return set_error(err, err_len, EAPO_EINVAL, "beta2 must be in [0, 1)");
    if (!(isfinite(a->eps) && a->eps > 0.0)) return set_error(err, err_len, EAPO_EINVAL, "eps must be finite and > 0");
    if (!(isfinite(a->weight_decay) && a->weight_decay >= 0.0))
        return set_error(err, err_len, EAPO_EINVAL, "weight_decay must be finite and >= 0");
    if (!(isfinite(a->grad_scale) && a->grad_scale > 0.0))
        return set_error(err, err_len, EAPO_EINVAL, "grad_scale must be finite and > 0 (1 = no scaling)");
    if (a->step < 1) return set_error(err, err_len, EAPO_EINVAL, "step must be >= 1, got %lld", (long long)a->step);
    if (a->n == 0) return EAPO_OK;
    if (a->param == nullptr || a->grad == nullptr || a->exp_avg == nullptr || a->exp_avg_sq == nullptr)
        return set_error(err, err_len, EAPO_EINVAL, "param, grad, exp_avg and exp_avg_sq must not be NULL");
    if ((uint64_t)a->n > (uint64_t)INT64_MAX / 8) return set_error(err, err_len, EAPO_EINVAL, "n is too large");
    auto bytes = [&](int dtype) { return (uint64_t)a->n * (dtype == EAPO_F32 ? 4u : 2u); };
    const ArgSpan spans[] = {arg_span("param", a->param, bytes(a->param_dtype)),
                             arg_span("grad", a->grad, bytes(a->grad_dtype)),
                             arg_span("exp_avg", a->exp_avg, bytes(a->state_dtype)),
                             arg_span("exp_avg_sq", a->exp_avg_sq, bytes(a->state_dtype))};
    const int dtypes[] = {a->param_dtype, a->grad_dtype, a->state_dtype, a->state_dtype};
    for (int i = 0; i < 4; ++i) {
        if (spans[i].begin % (dtypes[i] == EAPO_F32 ? 4u : 2u) != 0)
            return set_error(err, err_len, EAPO_EINVAL, "%s is not aligned to its element size", spans[i].name);
        for (int j = i + 1; j < 4; ++j)
            if (spans[i].begin < spans[j].end && spans[j].begin < spans[i].end)
                return set_error(err, err_len, EAPO_EINVAL, "%s overlaps %s: the four arrays must not share memory",
                                 spans[i].name, spans[j].name);
    }
    return EAPO_OK;
}

}  // namespace eapo4j

#endif  // EAPO4J_API_CHECKS_H
