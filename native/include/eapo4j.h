/*
 * eapo4j C API: fused token statistics, the fused weighted policy loss (../shared/SPEC.md), token sampling and the
 * fused AdamW step.
 *
 * Plain C so that the same signatures serve the CPU kernels (native/) and the CUDA kernels (cuda/),
 * and so that the JavaCPP binding (java/org/eapo4j/nativelib/EapoNative.java) stays mechanical.
 *
 * Logits geometry: N = rows_outer * rows_inner rows of V elements; row r starts at element
 *   (r / rows_inner) * stride_outer + (r % rows_inner) * stride_inner
 * and its V elements are contiguous. A [N, V] tensor is (1, N, N*s0, s0); a [B, T, V] view is (B, T, s0, s1),
 * so a slice such as logits[:, :-1, :] needs no copy. Strides are in elements, not bytes.
 *
 * Every per-token array ([N] targets, log-probs, ...) is contiguous and indexed by the flat row r.
 * Every function returns EAPO_OK or an error code and writes a NUL-terminated message into err (err_len bytes)
 * when err is not NULL. They never abort the process.
 */
#ifndef EAPO4J_H
#define EAPO4J_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Logits dtype. The gradient is written in the same dtype as the logits. */
enum {
    EAPO_F32 = 0,
    EAPO_BF16 = 1,
    EAPO_F16 = 2
};

/* Status codes. */
enum {
    EAPO_OK = 0,
    EAPO_EINVAL = 1,    /* a bad argument reached native code (the Java layer should have caught it) */
    EAPO_ENODEV = 2,    /* no CUDA device, no driver, or a build without CUDA */
    EAPO_ECUDA = 3      /* a CUDA runtime error; the message names it */
};

/* Per-token flags written by the policy loss (bit set). */
enum {
    EAPO_FLAG_CLIPPED = 1,      /* the clipped surrogate term was selected: no policy-gradient through rho */
    EAPO_FLAG_DUAL_CLIPPED = 2, /* the dual clip (A < 0) was active */
    EAPO_FLAG_ENTROPY_MASKED = 4, /* H < entropy_threshold: no policy-gradient term, no entropy bonus (top-entropy) */
    EAPO_FLAG_PG_DROPPED = 8,   /* pg_keep[r] == 0: the policy-gradient term was removed (Clip-Cov) */
    EAPO_FLAG_KL_COV = 16       /* abs_kl_coef[r] != 0: the |log-ratio| penalty was on (KL-Cov) */
};

/* The policy-gradient surrogate (eapo_policy_loss_args.loss_type); docs/LOSS_VARIANTS.md has the sources. */
enum {
    EAPO_LOSS_CLIPPED = 0,   /* max(-A rho, -A clip(rho, 1 - clip_low, 1 + clip_high)), dual clip (SPEC.md) */
    EAPO_LOSS_CISPO = 1,     /* -sg[min(rho, 1 + clip_high)] * A * logp: detached clipped IS weight (CISPO) */
    EAPO_LOSS_UNCLIPPED = 2  /* -A * rho, no clip (the surrogate of verl's kl_cov); the dual clip still applies */
};

/*
 * The arguments of one call, one struct per operation, the same for the CPU and the CUDA front end (for CUDA every
 * pointer is a device pointer except batch_loss). The first eight fields, the logits rows, are alike in both.
 * Zero-initialise a struct (= {0}) and set what the call needs: a NULL optional pointer means "not wanted".
 */

/* Token statistics: logp[r] = z'_y - lse and entropy[r] = H of row r, z' = z / temperature.
 * Rows containing NaN or +inf yield NaN outputs for that row; -inf entries are masked tokens. */
typedef struct eapo_token_stats_args {
    const void* logits;      /* rows of vocab elements in the geometry above, of dtype */
    int dtype;               /* EAPO_F32, EAPO_BF16 or EAPO_F16 */
    int64_t rows_outer, rows_inner, stride_outer, stride_inner;
    int64_t vocab;
    const int64_t* targets;  /* [N] in [0, vocab) */
    float temperature;       /* finite, > 0 */
    float* logp;             /* out [N] */
    float* entropy;          /* out [N] */
} eapo_token_stats_args;

/*
 * Policy loss forward + backward in one call (SPEC.md "Policy loss").
 * Inputs: old_logp, advantages, weights, coefs are [N] fp32; ref_logp is [N] fp32 or NULL. The hyper-parameters:
 * dual_clip <= 1 disables the dual clip; kl_beta = 0 or ref_logp = NULL disables the KL term; entropy_coef is eta.
 * Outputs, each may be NULL: batch_loss (1 double, host memory, sum_t c_t l_t), token_loss, logp, entropy, kl
 * ([N] fp32), flags ([N] uint8, EAPO_FLAG_*), grad ([N, V] in the logits dtype with the same row geometry as given by
 * grad_stride_outer / grad_stride_inner; may alias the logits exactly for an in-place gradient). No other output may
 * share memory with an input or another output (checked for the [N] arrays; EAPO_EINVAL).
 * kl is the per-token k3 = exp(ref - logp) - (ref - logp) - 1 of SPEC.md, written whenever ref_logp is given, also
 * with kl_beta = 0 (monitoring a reference without training against it; it is then not part of the loss); all zeros
 * when ref_logp is NULL. ref_logp is read only when kl_beta > 0 or kl is requested.
 * Rows with coef == 0 are skipped: zero gradient row, token_loss = logp = entropy = kl = 0, flags = 0.
 * The loss-variant fields (loss_type .. abs_kl_coef) change the policy-gradient term pg and its gradient per token;
 * the k3 KL is never masked. loss_type outside EAPO_LOSS_* or a non-finite entropy_threshold is EAPO_EINVAL.
 */
typedef struct eapo_policy_loss_args {
    const void* logits;
    int dtype;
    int64_t rows_outer, rows_inner, stride_outer, stride_inner;
    int64_t vocab;
    const int64_t* targets;
    const float* old_logp;
    const float* ref_logp;
    const float* advantages;
    const float* weights;
    const float* coefs;
    float temperature;
    float clip_low;
    float clip_high;
    float dual_clip;
    float kl_beta;
    float entropy_coef;
    /* Loss variants (docs/LOSS_VARIANTS.md); all zero / NULL = the clipped surrogate of SPEC.md, bit for bit. */
    int loss_type;                /* EAPO_LOSS_* */
    const float* seq_log_ratio;   /* [N] or NULL. Sequence-level importance ratio (GSPO): the row's sequence mean of
                                     (logp - old_logp), detached; rho = exp(it) replaces the token ratio and
                                     drho/dlogp = rho (the token ratio sg[s_i] * pi / sg[pi]) */
    float entropy_threshold;      /* top-entropy tokens: a row with H < threshold gets no policy-gradient term and no
                                     entropy bonus (EAPO_FLAG_ENTROPY_MASKED); 0 = off (H >= 0); finite */
    const uint8_t* pg_keep;       /* [N] or NULL: 0 removes the row's policy-gradient term, value and gradient
                                     (Clip-Cov's selected tokens; EAPO_FLAG_PG_DROPPED) */
    const float* abs_kl_coef;     /* [N] or NULL: adds k_t * |clamp(logp - old_logp)| to the policy-gradient term
                                     (KL-Cov's selected tokens get ppo_kl_coef, the others 0); finite, >= 0 */
    double* batch_loss;
    float* token_loss;
    float* logp;
    float* entropy;
    float* kl;
    uint8_t* flags;
    void* grad;
    int64_t grad_stride_outer, grad_stride_inner;
} eapo_policy_loss_args;

/*
 * Sampling: one token id per row, drawn with the caller's uniform number, from the distribution of the model's
 * Sampler (java/train/.../model/Sampler.java), filters in the order HF transformers applies them:
 *   1. ids >= valid_vocab[r] are never sampled (the padding rows of an output layer larger than the tokenizer);
 *      -inf logits are masked tokens;
 *   2. z = logits / temperature;
 *   3. top_k > 0: keep the ids whose z is >= the k-th largest z (every id tied with the k-th value is kept);
 *   4. p = softmax(z) over the kept ids;
 *   5. top_p < 1: order the kept ids by p descending, equal p by id ascending, and keep the shortest prefix whose
 *      running sum of p reaches top_p;
 *   6. min_p > 0: keep the ids with p >= min_p * (largest p);
 *   7. renormalise; the sample is the inverse CDF in id order: the smallest kept id v with
 *      u < sum over kept w <= v of p_w, where u = uniforms[r] in [0, 1) (the last kept id if rounding leaves u at
 *      or above the total).
 * temperature == 0 is greedy decoding: the first id of the largest logit (uniforms are not read; logp = 0).
 * logp (optional) receives log p of the chosen id under the final (filtered, renormalised) distribution.
 * A row holding NaN or +inf among its valid logits, or no finite valid logit, is an error: EAPO_EINVAL with a
 * message naming the first such row ("row 3: ..."); ids are then unspecified for every row.
 * Precision: with top-k the surviving candidates get float64 probabilities; passes over a whole row (no filter, min-p
 * or top-p alone, and every CUDA pass) use float32 exp with float64 sums. A pick can therefore differ from an exact
 * float64 computation only when u lies within ~1e-6 of a CDF boundary or a probability within ~1e-6 of a top-p /
 * min-p cut.
 */
typedef struct eapo_sample_args {
    const void* logits;          /* rows in the geometry above, of dtype */
    int dtype;
    int64_t rows_outer, rows_inner, stride_outer, stride_inner;
    int64_t vocab;
    const int64_t* valid_vocab;  /* [N] in [1, vocab], or NULL: every id < vocab may be sampled */
    const double* uniforms;      /* [N] in [0, 1); may be NULL when temperature == 0 */
    double temperature;          /* 0 (greedy) or finite > 0 */
    int64_t top_k;               /* 0 = off, else >= 1 */
    double top_p;                /* (0, 1]; 1 = off */
    double min_p;                /* [0, 1]; 0 = off */
    int64_t* ids;                /* out [N] */
    float* logp;                 /* out [N], or NULL */
} eapo_sample_args;

/*
 * One AdamW step (torch.optim.AdamW: decoupled weight decay, bias-corrected moments, eps outside the square root)
 * over n elements in place, in one pass over memory. Per element, in float32 with the scalars prepared in double:
 *   g = grad * grad_scale
 *   p = p * (1 - lr * weight_decay)
 *   m = beta1 * m + (1 - beta1) * g                   stored in state_dtype (rounded once)
 *   v = beta2 * v + (1 - beta2) * g * g               stored in state_dtype (rounded once)
 *   p = p - (lr / bc1) * m / (sqrt(v / bc2) + eps)    m, v as stored; bc = 1 - beta^step; p rounded once
 * Rounding to bf16 / fp16 is round to nearest even (denormals kept, NaN stays NaN), as c10::BFloat16 / c10::Half.
 * The result does not depend on the thread count or the SIMD level (eapo4j_adamw.h has the one order of operations:
 * no FMA anywhere), and the CUDA kernel runs the same operations, so it gives the same bits (NaN payloads aside;
 * checked by cuda/dev/adamw_gpu_test.cu).
 * All four arrays are contiguous, of n elements, and must not overlap (EAPO_EINVAL).
 */
typedef struct eapo_adamw_args {
    int64_t n;               /* elements, >= 0 */
    void* param;             /* [n] param_dtype, updated in place */
    int param_dtype;         /* EAPO_F32, EAPO_BF16 or EAPO_F16 */
    const void* grad;        /* [n] grad_dtype */
    int grad_dtype;          /* param_dtype or EAPO_F32 */
    void* exp_avg;           /* [n] state_dtype: the first moment m, updated in place */
    void* exp_avg_sq;        /* [n] state_dtype: the second moment v, updated in place */
    int state_dtype;         /* param_dtype or EAPO_F32 */
    double lr;               /* finite, >= 0 */
    double beta1, beta2;     /* in [0, 1) */
    double eps;              /* finite, > 0 */
    double weight_decay;     /* finite, >= 0 (0 = none) */
    int64_t step;            /* this step's number, >= 1 (the bias corrections use it) */
    double grad_scale;       /* finite, > 0; 1 = none (a gradient-norm clipping coefficient can be folded in here) */
} eapo_adamw_args;

/*
 * bf16 linear for a few rows (the decode step of a bf16 model): y = x W^T + bias, x [m, k], W [n, k] (nn.Linear's
 * layout), bias [n] or NULL, y [m, n], all bf16, rows of k (n for y) contiguous elements at the given row strides
 * (elements). Products are summed in float32 (bf16 pair dot products on the AVX-512 level, whose inputs treat bf16
 * denormals as 0), the bias is added in float32, each output is rounded once to nearest-even. Meant for m up to ~16:
 * W is read once per 8 rows of x. y must not overlap x, W or bias. CPU only (on a GPU cuBLAS serves this shape).
 */
typedef struct eapo_linear_args {
    const void* x;
    int64_t m, k, x_row_stride;
    const void* weight;
    int64_t n, w_row_stride;
    const void* bias;
    void* y;
    int64_t y_row_stride;
} eapo_linear_args;

/* ---------------- CPU ---------------- */

/* Worker threads used by the CPU kernels (rows are split across them). n <= 0 means "all cores". */
void eapo_cpu_set_num_threads(int n);
int eapo_cpu_get_num_threads(void);

/* Which SIMD variant the CPU kernels dispatch to ("avx512f+bw+dq+vl+bf16", "avx2+fma+f16c" or "generic"): the best
 * the CPU has, unless the environment variable EAPO4J_ISA (avx512 | avx2 | generic, read once when the library is
 * loaded) names another one the CPU has. */
const char* eapo_cpu_simd_level(void);

/* Switches the SIMD variant for the calls that follow (tests run every path this way): "avx512", "avx2", "generic"
 * (or the long names above); NULL or "" goes back to the load-time choice. EAPO_EINVAL for an unknown name,
 * EAPO_ENODEV when this CPU lacks it (the level is then unchanged). Not meant to race with running kernels. */
int eapo_cpu_set_simd_level(const char* name);

int eapo_token_stats_cpu(const eapo_token_stats_args* args, char* err, int err_len);

int eapo_policy_loss_cpu(const eapo_policy_loss_args* args, char* err, int err_len);

int eapo_sample_cpu(const eapo_sample_args* args, char* err, int err_len);

int eapo_adamw_cpu(const eapo_adamw_args* args, char* err, int err_len);

int eapo_linear_bf16_cpu(const eapo_linear_args* args, char* err, int err_len);

/* ---------------- CUDA ----------------
 * Same contracts; every pointer in the args is a device pointer except batch_loss (host), and args and err are host
 * memory. stream is a cudaStream_t (NULL = the legacy default stream). batch_loss is written after the call
 * synchronises its stream; pass batch_loss = NULL to stay asynchronous and read token_loss instead.
 * In a build without CUDA these return EAPO_ENODEV.
 */

/* 1 when the library was compiled with the CUDA kernels. */
int eapo_cuda_compiled(void);

/* Number of usable CUDA devices; 0 when there is no driver, no device, or no CUDA in this build. Never fails. */
int eapo_cuda_device_count(void);

int eapo_token_stats_cuda(const eapo_token_stats_args* args, void* stream, char* err, int err_len);

int eapo_policy_loss_cuda(const eapo_policy_loss_args* args, void* stream, char* err, int err_len);

/* Synchronises the stream before it returns (the status depends on the logits' values). */
int eapo_sample_cuda(const eapo_sample_args* args, void* stream, char* err, int err_len);

/* Asynchronous on its stream (the arguments are checked on the host before the launch). */
int eapo_adamw_cuda(const eapo_adamw_args* args, void* stream, char* err, int err_len);

#ifdef __cplusplus
}
#endif

#endif /* EAPO4J_H */
