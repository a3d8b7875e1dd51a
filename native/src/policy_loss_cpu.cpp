// Fused weighted clipped-surrogate policy loss, CPU: forward and dL/dlogits in one call (SPEC.md "Policy loss"),
// with the per-token loss variants of docs/LOSS_VARIANTS.md (eapo_token_loss_variant).
// Per row: one pass for the softmax statistics, the per-token terms from eapo4j_rowmath.h, then one pass that writes
// the gradient row (the row is read again from cache: 600 KB for V = 151936 in fp32 fits L2/L3).
// The CUDA twin is cuda/policy_loss.cu. Compiled once per SIMD level with EAPO_SIMD_NS set; the avx512 build
// (simd_avx512.h) keeps the exponentials of the statistics pass for the gradient pass and streams large gradients.
#include <vector>

#include "cpu_kernels.h"

namespace eapo4j {
namespace EAPO_SIMD_NS {

namespace {

void zero_row(void* grad_row, int dtype, int64_t vocab) {
    std::memset(grad_row, 0, (size_t)vocab * dtype_size(dtype));
}

#if !EAPO_AVX512_ROWS  // the avx512 build has its own, simd_avx512.h
// Writes (c / tau) * (g * (1[v = y] - p_v) + eta * p_v * (log p_v + H)) for every v of the row, in the factored
// form of eapo4j_rowmath.h (eapo_grad_elem_factored, as the CUDA kernel): p_v (a + b log p_v) + t 1[v = y], with
// log p_v = (z'_v - m) - log s as in eapo_acc_logp. vexp gives exactly 0 below its range, so masked entries
// (log p_v = -inf, clamped at -1e4 before the product) get +0.
void write_grad_row(const void* row, void* grad_row, int dtype, int64_t vocab, float inv_tau,
                    const eapo_softmax_acc& acc, int64_t target, float g, float eta, float entropy, float c_over_tau,
                    float* buf) {
    const eapo_grad_factors f = eapo_grad_factors_of(g, eta, entropy, c_over_tau);
    const vec8 vm = splat(acc.m), vlogs = splat(logf(acc.s)), va = splat(f.a), vb = splat(f.b);
    const vec8 vfloor = splat(-1.0e4f), zero = splat(0.0f);
    for (int64_t off = 0; off < vocab; off += kBlock) {
        int n = (int)(vocab - off < kBlock ? vocab - off : kBlock);
        const float* x_block = row_block(row, dtype, off, n, inv_tau, buf);
        for (int i = 0; i < n; i += kLanes) {
            vec8 logp = (load8(x_block + i) - vm) - vlogs;
            vec8 p = vexp(logp);
            vec8 clamped = logp > vfloor ? logp : vfloor;  // NaN -> floor, but then p is NaN
            store8(buf + i, p * (vb * clamped + va) + zero);  // + 0: a masked entry gets +0, not -0
        }
        if (target >= off && target < off + n) buf[target - off] += f.t;
        store_block(grad_row, dtype, off, n, buf);
    }
}
#endif

}  // namespace

double policy_loss_rows(const eapo_policy_loss_args& a, int64_t begin, int64_t end) {
#if !EAPO_AVX512_ROWS  // the avx512 build reads the rows directly
    alignas(64) float buf[kBlock];
#else
    // Per thread: the exps of the statistics pass (one row, fp32, 600 KB at V = 151936: stays in L2/L3), reused by
    // the gradient pass, and the reference max of each block they were taken against.
    std::vector<float> keep(a.grad ? (size_t)a.vocab : 0);
    std::vector<float> keep_ref(a.grad ? (size_t)((a.vocab + v512::kBlock512 - 1) / v512::kBlock512) : 0);
    const bool stream = a.rows_outer * a.rows_inner * a.vocab * (int64_t)dtype_size(a.dtype) > v512::kStreamBytes;
#endif
    const RowGeometry geom{a.rows_inner, a.stride_outer, a.stride_inner};
    const RowGeometry grad_geom{a.rows_inner, a.grad_stride_outer, a.grad_stride_inner};
    const float inv_tau = 1.0f / a.temperature;
    const int use_kl = a.ref_logp != nullptr && a.kl_beta > 0.0f;  // SPEC: in the loss only when beta > 0
    const int has_ref = a.ref_logp != nullptr && (use_kl || a.kl != nullptr);  // k3 also reported when beta = 0
    const size_t esize = dtype_size(a.dtype);
    double loss_sum = 0.0;
    for (int64_t r = begin; r < end; ++r) {
        const char* row = static_cast<const char*>(a.logits) + geom.offset(r) * esize;
        char* grad_row = a.grad ? static_cast<char*>(a.grad) + grad_geom.offset(r) * esize : nullptr;
        const float c = a.coefs[r];
        if (c == 0.0f) {  // padding / masked token: skipped, zero gradient row
            if (a.token_loss) a.token_loss[r] = 0.0f;
            if (a.logp) a.logp[r] = 0.0f;
            if (a.entropy) a.entropy[r] = 0.0f;
            if (a.kl) a.kl[r] = 0.0f;
            if (a.flags) a.flags[r] = 0;
            if (grad_row) zero_row(grad_row, a.dtype, a.vocab);
            continue;
        }
#if EAPO_AVX512_ROWS
        float *kp = keep.data(), *kr = keep_ref.data();
        const eapo_softmax_acc acc =
            !grad_row              ? (a.dtype == EAPO_BF16  ? v512::row_softmax_stats<EAPO_BF16>(row, a.vocab, inv_tau)
                                      : a.dtype == EAPO_F32 ? v512::row_softmax_stats<EAPO_F32>(row, a.vocab, inv_tau)
                                                            : v512::row_softmax_stats<EAPO_F16>(row, a.vocab, inv_tau))
            : a.dtype == EAPO_BF16 ? v512::row_softmax_stats<EAPO_BF16, true>(row, a.vocab, inv_tau, kp, kr)
            : a.dtype == EAPO_F32  ? v512::row_softmax_stats<EAPO_F32, true>(row, a.vocab, inv_tau, kp, kr)
                                   : v512::row_softmax_stats<EAPO_F16, true>(row, a.vocab, inv_tau, kp, kr);
#else
        const eapo_softmax_acc acc = row_softmax_stats(row, a.dtype, a.vocab, inv_tau, buf);
#endif
        const float entropy = eapo_acc_entropy(acc);
        const int64_t y = a.targets[r];
        const float logp = eapo_acc_logp(acc, load_scalar(row, a.dtype, y) * inv_tau);
        const eapo_token_variant var = eapo_variant_at(a.loss_type, a.seq_log_ratio, a.pg_keep, a.abs_kl_coef,
                                                       a.entropy_threshold, r);
        eapo_token_terms t = eapo_token_loss_variant(logp, entropy, a.old_logp[r], has_ref ? a.ref_logp[r] : 0.0f,
                                                     a.advantages[r], a.weights[r], a.clip_low, a.clip_high,
                                                     a.dual_clip, has_ref, use_kl ? a.kl_beta : 0.0f, a.entropy_coef,
                                                     var);
        if (a.token_loss) a.token_loss[r] = t.loss;
        if (a.logp) a.logp[r] = logp;
        if (a.entropy) a.entropy[r] = entropy;
        if (a.kl) a.kl[r] = t.kl;
        if (a.flags) a.flags[r] = t.flags;
        loss_sum += (double)c * (double)t.loss;
        if (grad_row) {
#if EAPO_AVX512_ROWS
            const eapo_grad_factors f = eapo_grad_factors_of(t.g, t.eta, entropy, c * inv_tau);
            if (a.dtype == EAPO_BF16)
                v512::write_grad_row<EAPO_BF16>(row, grad_row, a.vocab, inv_tau, acc, y, f, kp, kr, stream);
            else if (a.dtype == EAPO_F32)
                v512::write_grad_row<EAPO_F32>(row, grad_row, a.vocab, inv_tau, acc, y, f, kp, kr, stream);
            else
                v512::write_grad_row<EAPO_F16>(row, grad_row, a.vocab, inv_tau, acc, y, f, kp, kr, stream);
#else
            write_grad_row(row, grad_row, a.dtype, a.vocab, inv_tau, acc, y, t.g, t.eta, entropy,
                           c * inv_tau, buf);
#endif
        }
    }
#if EAPO_AVX512_ROWS
    _mm_sfence();  // non-temporal gradient stores are visible before the call returns
#endif
    return loss_sum;
}

}  // namespace EAPO_SIMD_NS
}  // namespace eapo4j
