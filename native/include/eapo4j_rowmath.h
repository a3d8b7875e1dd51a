/*
 * Per-row and per-token math of ../shared/SPEC.md, shared by the CPU kernels (native/) and the CUDA kernels (cuda/).
 * Every function is __host__ __device__ under nvcc, so the CPU tests exercise the same formulas the GPU runs.
 *
 * Softmax statistics are kept relative to the running max m of the scaled logits z' = z / tau:
 *   s = sum_v exp(z'_v - m),   t = sum_v exp(z'_v - m) * (z'_v - m)
 * so that lse = m + log s and H = log s - t / s, with no cancellation for large logits (|z| ~ 1e4).
 */
#ifndef EAPO4J_ROWMATH_H
#define EAPO4J_ROWMATH_H

#include <math.h>
#include <stdint.h>

#if defined(__CUDACC__)
#define EAPO_HD __host__ __device__ __forceinline__
#else
#define EAPO_HD static inline
#endif

/* Running softmax statistics of one row (or one slice of it). */
typedef struct eapo_softmax_acc {
    float m;   /* running max of z' (-inf while empty) */
    float s;   /* sum exp(z' - m) */
    float t;   /* sum exp(z' - m) * (z' - m) */
} eapo_softmax_acc;

EAPO_HD eapo_softmax_acc eapo_acc_empty(void) {
    eapo_softmax_acc a;
    a.m = -INFINITY;
    a.s = 0.0f;
    a.t = 0.0f;
    return a;
}

/* Moves an accumulator to a new (larger or equal) reference max. An empty accumulator stays empty:
 * the (m_old - m_new) * s term would be -inf * 0 there. */
EAPO_HD eapo_softmax_acc eapo_acc_rebase(eapo_softmax_acc a, float m_new) {
    if (a.s == 0.0f || a.m == m_new) {
        a.m = m_new;
        return a;
    }
    float delta = a.m - m_new;            /* <= 0 */
    float alpha = expf(delta);
    a.t = alpha * (a.t + delta * a.s);
    a.s = alpha * a.s;
    a.m = m_new;
    return a;
}

/* Merges two partial accumulators (threads, warps, blocks, cluster ranks). NaN propagates. */
EAPO_HD eapo_softmax_acc eapo_acc_merge(eapo_softmax_acc a, eapo_softmax_acc b) {
    float m = a.m > b.m ? a.m : b.m;
    if (a.m != a.m || b.m != b.m) {
        eapo_softmax_acc nan_acc;
        nan_acc.m = NAN; nan_acc.s = NAN; nan_acc.t = NAN;
        return nan_acc;
    }
    a = eapo_acc_rebase(a, m);
    b = eapo_acc_rebase(b, m);
    a.s += b.s;
    a.t += b.t;
    return a;
}

/* Log-sum-exp of the row. -inf for an all-masked row, NaN when the row held NaN or +inf. */
EAPO_HD float eapo_acc_lse(eapo_softmax_acc a) {
    return a.m + logf(a.s);
}

/* log p of an element with scaled logit zs: (zs - m) - log s, which keeps full precision for |z| ~ 1e4
 * (zs - (m + log s) would round m + log s to the ulp of m first). */
EAPO_HD float eapo_acc_logp(eapo_softmax_acc a, float zs) {
    return (zs - a.m) - logf(a.s);
}

/* Token entropy H = log s - t / s (>= 0 up to rounding; clamped at 0). */
EAPO_HD float eapo_acc_entropy(eapo_softmax_acc a) {
    float h = logf(a.s) - a.t / a.s;
    return h > 0.0f ? h : (h == h ? 0.0f : h);
}

/* Per-token policy-loss terms (SPEC.md "Policy loss", docs/LOSS_VARIANTS.md). */
typedef struct eapo_token_terms {
    float loss;     /* l = w * pg + beta * kl - eta * H */
    float g;        /* dl/dlogp, the part that multiplies (1[v = y] - p_v) */
    float kl;       /* k3 = exp(ref - logp) - (ref - logp) - 1 when has_ref, else 0 (reported even when beta = 0) */
    float eta;      /* the entropy coefficient in force for this row's gradient (0 when entropy-masked) */
    uint8_t flags;  /* EAPO_FLAG_* */
} eapo_token_terms;

/* The loss-variant inputs of one row (eapo_policy_loss_args, loss_type .. abs_kl_coef). */
typedef struct eapo_token_variant {
    int loss_type;            /* EAPO_LOSS_*: 0 clipped, 1 CISPO, 2 unclipped */
    int seq_level;            /* rho from seq_log_ratio (GSPO) instead of the token's log-ratio */
    float seq_log_ratio;
    int keep;                 /* 0: the policy-gradient term is removed (Clip-Cov) */
    float abs_kl_coef;        /* k of k * |d| (KL-Cov), 0 = off */
    float entropy_threshold;  /* H < it: no policy gradient, no entropy bonus */
} eapo_token_variant;

/* Row r's variant inputs from the args' optional arrays (NULL = the default for every row). */
EAPO_HD eapo_token_variant eapo_variant_at(int loss_type, const float* seq_log_ratio, const uint8_t* pg_keep,
                                           const float* abs_kl_coef, float entropy_threshold, int64_t r) {
    eapo_token_variant v;
    v.loss_type = loss_type;
    v.seq_level = seq_log_ratio != 0;
    v.seq_log_ratio = seq_log_ratio ? seq_log_ratio[r] : 0.0f;
    v.keep = pg_keep ? pg_keep[r] != 0 : 1;
    v.abs_kl_coef = abs_kl_coef ? abs_kl_coef[r] : 0.0f;
    v.entropy_threshold = entropy_threshold;
    return v;
}

EAPO_HD float eapo_clamp20(float d) {
    return d < -20.0f ? -20.0f : (d > 20.0f ? 20.0f : d);
}

/*
 * logp, entropy of the token under the current policy; old, ref (ignored unless has_ref), adv, weight as in SPEC.md.
 * dual_clip <= 1 disables the dual clip. The k3 value is evaluated whenever has_ref (one exp, for monitoring); it
 * enters the loss and g only when kl_beta > 0, so a huge k3 with beta = 0 never turns the loss into 0 * inf.
 * v selects the loss variant; with every field at its default the arithmetic is exactly SPEC.md's (the default path
 * evaluates the same float operations in the same order as before the variants existed).
 */
EAPO_HD eapo_token_terms eapo_token_loss_variant(float logp, float entropy, float old_logp, float ref_logp,
                                                 float adv, float weight, float clip_low, float clip_high,
                                                 float dual_clip, int has_ref, float kl_beta, float entropy_coef,
                                                 eapo_token_variant v) {
    eapo_token_terms r;
    float d = eapo_clamp20(logp - old_logp);
    /* GSPO: the value is the sequence ratio s_i; its gradient is that of sg[s_i] * pi / sg[pi], i.e. rho again. */
    float rho = expf(v.seq_level ? eapo_clamp20(v.seq_log_ratio) : d);
    float pg, dpg;
    if (v.loss_type == 1) { /* EAPO_LOSS_CISPO: detached weight min(rho, 1 + eps_high) times logp */
        float cap = 1.0f + clip_high;
        float wis = rho > cap ? cap : rho;
        r.flags = rho > cap ? 1 : 0; /* EAPO_FLAG_CLIPPED: the weight was capped */
        pg = -adv * wis * logp;
        dpg = -adv * wis;
    } else {
        float lo = 1.0f - clip_low, hi = 1.0f + clip_high;
        float rho_c = rho < lo ? lo : (rho > hi ? hi : rho);
        float pg_unclipped = -adv * rho;
        float pg_clipped = -adv * rho_c;
        /* max(-A rho, -A rho_c): the unclipped term is selected on ties, so its gradient flows. EAPO_LOSS_UNCLIPPED
         * always takes the unclipped term. */
        int unclipped = v.loss_type == 2 || pg_unclipped >= pg_clipped;
        pg = unclipped ? pg_unclipped : pg_clipped;
        r.flags = unclipped ? 0 : 1; /* EAPO_FLAG_CLIPPED */
        int dual_active = 0;
        if (adv < 0.0f && dual_clip > 1.0f) {
            float cap = -adv * dual_clip;
            if (pg > cap) {
                pg = cap;
                dual_active = 1;
                r.flags |= 2; /* EAPO_FLAG_DUAL_CLIPPED */
            }
        }
        dpg = (unclipped && !dual_active) ? -adv * rho : 0.0f;
    }
    if (v.abs_kl_coef != 0.0f) { /* KL-Cov: + k |d|, d/dlogp = k sign(d) (0 at d = 0, as autograd's abs) */
        pg += v.abs_kl_coef * fabsf(d);
        dpg += d > 0.0f ? v.abs_kl_coef : (d < 0.0f ? -v.abs_kl_coef : 0.0f);
        r.flags |= 16; /* EAPO_FLAG_KL_COV */
    }
    float eta = entropy_coef;
    if (!v.keep) { /* Clip-Cov: the term is multiplied by 0 */
        pg = 0.0f;
        dpg = 0.0f;
        r.flags |= 8; /* EAPO_FLAG_PG_DROPPED */
    }
    if (entropy < v.entropy_threshold) { /* top-entropy: low-entropy tokens keep only the KL term */
        pg = 0.0f;
        dpg = 0.0f;
        eta = 0.0f;
        r.flags |= 4; /* EAPO_FLAG_ENTROPY_MASKED */
    }
    float kl = 0.0f, kl_loss = 0.0f, kl_g = 0.0f;
    if (has_ref) {
        float x = ref_logp - logp;
        float ex = expf(x);
        kl = ex - x - 1.0f;
        if (kl_beta > 0.0f) {
            kl_loss = kl_beta * kl;
            kl_g = kl_beta * (1.0f - ex);  /* beta * dkl/dlogp */
        }
    }
    r.kl = kl;
    r.eta = eta;
    r.loss = weight * pg + kl_loss - eta * entropy;
    r.g = weight * dpg + kl_g;
    return r;
}

/* The clipped surrogate of SPEC.md with no variant. */
EAPO_HD eapo_token_terms eapo_token_loss(float logp, float entropy, float old_logp, float ref_logp,
                                         float adv, float weight, float clip_low, float clip_high,
                                         float dual_clip, int has_ref, float kl_beta, float entropy_coef) {
    return eapo_token_loss_variant(logp, entropy, old_logp, ref_logp, adv, weight, clip_low, clip_high, dual_clip,
                                   has_ref, kl_beta, entropy_coef, eapo_variant_at(0, 0, 0, 0, 0.0f, 0));
}

/*
 * dL/dz_v for one element of the row: (c / tau) * (g * (1[v = y] - p_v) + eta * p_v * (log p_v + H)),
 * with p_v = exp(logp_v), logp_v = z'_v - lse. A masked entry (p_v = 0, logp_v = -inf) gets exactly
 * g * 0 + 0 (the limit of p log p), never NaN.
 */
EAPO_HD float eapo_grad_elem(float p, float logp_v, int is_target, float g, float eta, float entropy,
                             float c_over_tau) {
    float ent_term = p > 0.0f ? eta * p * (logp_v + entropy) : 0.0f;
    float onehot = is_target ? 1.0f : 0.0f;
    return c_over_tau * (g * (onehot - p) + ent_term);
}

/*
 * The same gradient element in factored form, for kernels where the instructions per element are the bottleneck
 * (the CUDA policy loss): with the per-row factors of eapo_grad_factors_of,
 *   a = (c / tau) * (eta * H - g),   b = (c / tau) * eta,   t = (c / tau) * g,
 *   dL/dz_v = p_v * (a + b * log p_v) + t * 1[v = y]                (eapo_grad_elem_factored, plus t at the target)
 * which is eapo_grad_elem up to rounding (2 operations per element instead of about 8). log p_v is clamped at -1e4
 * before the product, where p_v is exactly 0 in fp32 anyway: a masked entry (p_v = 0, log p_v = -inf) gives +0,
 * never 0 * -inf; a NaN row stays NaN through p_v.
 */
typedef struct eapo_grad_factors {
    float a, b, t;
} eapo_grad_factors;

EAPO_HD eapo_grad_factors eapo_grad_factors_of(float g, float eta, float entropy, float c_over_tau) {
    eapo_grad_factors f;
    f.a = c_over_tau * (eta * entropy - g);
    f.b = c_over_tau * eta;
    f.t = c_over_tau * g;
    return f;
}

EAPO_HD float eapo_grad_elem_factored(float p, float logp_v, eapo_grad_factors f) {
    /* The + 0 (inside an fma, so no extra operation) turns the -0 of p = 0 times a negative factor into +0:
     * masked entries get exactly +0, as from eapo_grad_elem. */
    return fmaf(p, fmaf(f.b, fmaxf(logp_v, -1.0e4f), f.a), 0.0f);
}

/* bf16 <-> fp32 bit conversions (round to nearest even; NaN stays NaN). */
EAPO_HD float eapo_bf16_to_f32(uint16_t h) {
    union { uint32_t u; float f; } v;
    v.u = ((uint32_t)h) << 16;
    return v.f;
}

EAPO_HD uint16_t eapo_f32_to_bf16(float f) {
    union { uint32_t u; float f; } v;
    v.f = f;
    if ((v.u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((v.u >> 16) | 0x40u); /* quiet NaN */
    uint32_t rounding = 0x7fffu + ((v.u >> 16) & 1u);
    return (uint16_t)((v.u + rounding) >> 16);
}

#endif /* EAPO4J_ROWMATH_H */
