// Fused weighted clipped-surrogate policy loss, CPU: forward and dL/dlogits in one call (SPEC.md "Policy loss").
// Per row: one pass for the softmax statistics, the per-token terms from eapo4j_rowmath.h, then one pass that writes
// the gradient row (the row is read again from cache: 600 KB for V = 151936 in fp32 fits L2/L3).
// The CUDA twin is cuda/policy_loss.cu. Compiled once per SIMD level with EAPO_SIMD_NS set.
#include "cpu_kernels.h"

namespace eapo4j {
namespace EAPO_SIMD_NS {

namespace {

void zero_row(void* grad_row, int dtype, int64_t vocab) {
    std::memset(grad_row, 0, (size_t)vocab * dtype_size(dtype));
}

// Writes (c / tau) * (g * (1[v = y] - p_v) + eta * p_v * (log p_v + H)) for every v of the row,
// with log p_v = (z'_v - m) - log s as in eapo_acc_logp.
void write_grad_row(const void* row, void* grad_row, int dtype, int64_t vocab, float inv_tau,
                    const eapo_softmax_acc& acc, int64_t target, float g, float eta, float entropy, float c_over_tau,
                    float* buf) {
    const vec8 vm = splat(acc.m), vlogs = splat(logf(acc.s)), vg = splat(g), veta = splat(eta), vh = splat(entropy);
    const vec8 vc = splat(c_over_tau), zero = splat(0.0f), one = splat(1.0f);
    const ivec8 lane = ivec8{0, 1, 2, 3, 4, 5, 6, 7};
    for (int64_t off = 0; off < vocab; off += kBlock) {
        int n = (int)(vocab - off < kBlock ? vocab - off : kBlock);
        const float* x_block = row_block(row, dtype, off, n, inv_tau, buf);
        // Index of the target within this block, -1 when it lies in another block.
        const int32_t t_rel = (target >= off && target < off + n) ? (int32_t)(target - off) : -1;
        for (int i = 0; i < n; i += kLanes) {
            vec8 logp = (load8(x_block + i) - vm) - vlogs;
            vec8 p = vexp(logp);
            vec8 onehot = (lane + i) == t_rel ? one : zero;
            vec8 ent = p > zero ? veta * p * (logp + vh) : zero;  // p log p -> 0 at masked entries
            store8(buf + i, vc * (vg * (onehot - p) + ent));
        }
        store_block(grad_row, dtype, off, n, buf);
    }
}

}  // namespace

double policy_loss_rows(const PolicyLossJob& job, int64_t begin, int64_t end) {
    alignas(64) float buf[kBlock];
    const eapo_loss_config& cfg = job.cfg;
    const float inv_tau = 1.0f / cfg.temperature;
    const int use_kl = job.ref_logp != nullptr && cfg.kl_beta > 0.0f;  // SPEC: only when beta > 0
    const size_t esize = dtype_size(job.dtype);
    double loss_sum = 0.0;
    for (int64_t r = begin; r < end; ++r) {
        const char* row = static_cast<const char*>(job.logits) + job.geom.offset(r) * esize;
        char* grad_row = job.grad ? static_cast<char*>(job.grad) + job.grad_geom.offset(r) * esize : nullptr;
        const float c = job.coefs[r];
        if (c == 0.0f) {  // padding / masked token: skipped, zero gradient row
            if (job.token_loss) job.token_loss[r] = 0.0f;
            if (job.logp) job.logp[r] = 0.0f;
            if (job.entropy) job.entropy[r] = 0.0f;
            if (job.flags) job.flags[r] = 0;
            if (grad_row) zero_row(grad_row, job.dtype, job.vocab);
            continue;
        }
        eapo_softmax_acc acc = row_softmax_stats(row, job.dtype, job.vocab, inv_tau, buf);
        const float entropy = eapo_acc_entropy(acc);
        const int64_t y = job.targets[r];
        const float logp = eapo_acc_logp(acc, load_scalar(row, job.dtype, y) * inv_tau);
        eapo_token_terms t = eapo_token_loss(logp, entropy, job.old_logp[r], use_kl ? job.ref_logp[r] : 0.0f,
                                             job.advantages[r], job.weights[r], cfg.clip_low, cfg.clip_high,
                                             cfg.dual_clip, use_kl, use_kl ? cfg.kl_beta : 0.0f,
                                             cfg.entropy_coef);
        if (job.token_loss) job.token_loss[r] = t.loss;
        if (job.logp) job.logp[r] = logp;
        if (job.entropy) job.entropy[r] = entropy;
        if (job.flags) job.flags[r] = t.flags;
        loss_sum += (double)c * (double)t.loss;
        if (grad_row) {
            write_grad_row(row, grad_row, job.dtype, job.vocab, inv_tau, acc, y, t.g, cfg.entropy_coef, entropy,
                           c * inv_tau, buf);
        }
    }
    return loss_sum;
}

}  // namespace EAPO_SIMD_NS
}  // namespace eapo4j
