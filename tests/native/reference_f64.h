// Float64 evaluation of SPEC.md (../shared/SPEC.md), written from the spec alone: it shares no code with the kernels
// or with native/include/eapo4j_rowmath.h, so a mistake there cannot hide here. The one reference of the native
// test programs: tests/native/native_test.cpp (CPU kernels), cuda/dev/gpu_test.cu (CUDA and CPU kernels) and the
// host emulation of the CUDA kernels (cuda/dev/emu/), which runs gpu_test.cu.
// Header-only C++; include it after eapo4j.h (it uses the EAPO_FLAG_* values).
#ifndef EAPO4J_REFERENCE_F64_H
#define EAPO4J_REFERENCE_F64_H

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "eapo4j.h"

namespace ref_f64 {

// SPEC.md "Token statistics" of one row, in double. NaN everywhere when the row holds NaN or +inf.
struct RowStats {
    double lse, logp, entropy;
};

// at(v) is logit v of the row (the value the kernel reads, widened to double); y the target.
template <class At>
RowStats row_stats(At at, int64_t vocab, int64_t y, double tau) {
    double m = -INFINITY;
    for (int64_t v = 0; v < vocab; ++v) {
        const double x = at(v) / tau;
        if (std::isnan(x) || x == INFINITY) return {NAN, NAN, NAN};
        m = std::max(m, x);
    }
    double s = 0;
    for (int64_t v = 0; v < vocab; ++v) s += std::exp(at(v) / tau - m);
    const double lse = m + std::log(s);
    double pz = 0;  // sum_v p_v z'_v; masked entries (p_v = 0, z'_v = -inf) contribute nothing
    for (int64_t v = 0; v < vocab; ++v) {
        const double x = at(v) / tau, p = std::exp(x - lse);
        if (p > 0) pz += p * x;
    }
    return {lse, at(y) / tau - lse, lse - pz};
}

// The loss hyper-parameters as the kernels receive them (float), evaluated in double (the temperature is an argument
// of row_stats and grad_elem).
struct LossConfig {
    float clip_low = 0.2f, clip_high = 0.2f, dual_clip = 0.0f, kl_beta = 0.0f, entropy_coef = 0.0f;
};

// SPEC.md "Policy loss" of one token: l, g = dl/dlogp, the k3 KL and the EAPO_FLAG_* bits. has_ref: a reference
// log-prob is given (the KL term then counts when kl_beta > 0; kl is reported whenever has_ref, 0 otherwise).
struct TokenTerms {
    double loss, g, kl;
    int flags;
    double eta;  // the entropy coefficient in force for the token's gradient (0 when entropy-masked)
};

// k3 = exp(ref - logp) - (ref - logp) - 1 (SPEC.md), >= 0.
inline double k3(double logp, double ref_logp) {
    const double x = ref_logp - logp;
    return std::exp(x) - x - 1;
}

// The loss variants of docs/LOSS_VARIANTS.md for one token (all at their defaults = SPEC.md's clipped surrogate).
struct Variant {
    int loss_type = EAPO_LOSS_CLIPPED;
    bool seq_level = false;      // GSPO: the ratio is exp(seq_log_ratio), its derivative in logp is that ratio
    double seq_log_ratio = 0;
    bool keep = true;            // Clip-Cov: false removes the policy-gradient term
    double abs_kl_coef = 0;      // KL-Cov: + k |logp - old|
    double entropy_threshold = 0;  // top-entropy: H < threshold removes the policy gradient and the entropy bonus
};

inline double clamp20(double d) {
    return std::min(20.0, std::max(-20.0, d));
}

// SPEC.md's token terms with a variant: pg and dpg/dlogp from the surrogate, then the KL-Cov term, then the masks.
inline TokenTerms token_terms(const LossConfig& cfg, double logp, double entropy, double old_logp, bool has_ref,
                              double ref_logp, double advantage, double weight, const Variant& var) {
    const double A = advantage;
    const double d = clamp20(logp - old_logp);
    const double rho = std::exp(var.seq_level ? clamp20(var.seq_log_ratio) : d);
    double pg, dpg;
    int flags = 0;
    if (var.loss_type == EAPO_LOSS_CISPO) {
        const double cap = 1.0 + cfg.clip_high;
        const double weight_is = std::min(rho, cap);  // a constant in the gradient (detached)
        pg = -A * weight_is * logp;
        dpg = -A * weight_is;
        if (rho > cap) flags = EAPO_FLAG_CLIPPED;
    } else {
        const double rho_c = std::min(1.0 + cfg.clip_high, std::max(1.0 - cfg.clip_low, rho));
        const double unclipped_term = -A * rho, clipped_term = -A * rho_c;
        const bool unclipped = var.loss_type == EAPO_LOSS_UNCLIPPED || unclipped_term >= clipped_term;
        pg = unclipped ? unclipped_term : clipped_term;
        flags = unclipped ? 0 : EAPO_FLAG_CLIPPED;
        bool dual = false;
        if (A < 0 && cfg.dual_clip > 1.0f && pg > -A * cfg.dual_clip) {
            pg = -A * cfg.dual_clip;
            dual = true;
            flags |= EAPO_FLAG_DUAL_CLIPPED;
        }
        dpg = (unclipped && !dual) ? -A * rho : 0.0;
    }
    if (var.abs_kl_coef != 0) {
        pg += var.abs_kl_coef * std::fabs(d);
        dpg += var.abs_kl_coef * (d > 0 ? 1.0 : d < 0 ? -1.0 : 0.0);
        flags |= EAPO_FLAG_KL_COV;
    }
    double eta = cfg.entropy_coef;
    if (!var.keep) {
        pg = dpg = 0;
        flags |= EAPO_FLAG_PG_DROPPED;
    }
    if (entropy < var.entropy_threshold) {
        pg = dpg = eta = 0;
        flags |= EAPO_FLAG_ENTROPY_MASKED;
    }
    const double kl = has_ref ? k3(logp, ref_logp) : 0.0;
    double kl_loss = 0, kl_g = 0;
    if (has_ref && cfg.kl_beta > 0.0f) {
        kl_loss = cfg.kl_beta * kl;
        kl_g = cfg.kl_beta * (1 - std::exp(ref_logp - logp));  // beta * dk3/dlogp
    }
    return {weight * pg + kl_loss - eta * entropy, weight * dpg + kl_g, kl, flags, eta};
}

inline TokenTerms token_terms(const LossConfig& cfg, double logp, double entropy, double old_logp, bool has_ref,
                              double ref_logp, double advantage, double weight) {
    return token_terms(cfg, logp, entropy, old_logp, has_ref, ref_logp, advantage, weight, Variant{});
}

// dL/dz_v = (c / tau) * (g * (1[v = y] - p_v) + eta * p_v * (log p_v + H)) from log p_v; a masked entry (p_v = 0)
// gets only the target term.
inline double grad_of_logp(double c_over_tau, double g, double eta, double entropy, double logp_v, bool is_target) {
    const double p = std::exp(logp_v);
    return c_over_tau * (g * ((is_target ? 1.0 : 0.0) - p) + (p > 0 ? eta * p * (logp_v + entropy) : 0.0));
}

// The same from the logit z_v and its row's statistics.
inline double grad_elem(double coef, double tau, double eta, const RowStats& row, double g, double z_v,
                        bool is_target) {
    return grad_of_logp(coef / tau, g, eta, row.entropy, z_v / tau - row.lse, is_target);
}

}  // namespace ref_f64

#endif  // EAPO4J_REFERENCE_F64_H
