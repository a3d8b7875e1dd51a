package org.eapo4j.kernels;

import static org.eapo4j.kernels.AutogradReference.s;

import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The float64 reference of docs/LOSS_VARIANTS.md, written from the sources' formulas (TRL grpo_trainer, verl
 * core_algos) as a LibTorch composite differentiated by autograd; it shares no code with the kernels. GSPO is TRL's
 * {@code importance_sampling_level="sequence"} itself: s_i = exp(mean over the sequence's response tokens (c != 0) of
 * (logp - old)), with the gradient flowing through the mean into every token of the sequence (not the kernel's
 * sg[s_i] * pi / sg[pi] form, which it equals when A, w and c are constant over a sequence), except with a per-token
 * mask (Clip-Cov, top-entropy), where it is GSPO-token's sg form, the kernel's documented semantics. CISPO's weight is detached; top-entropy's mask compares the detached entropy with the
 * threshold (&gt;= keeps, as TRL); Clip-Cov multiplies the surrogate by the keep mask; KL-Cov adds k |logp - old|.
 */
final class VariantReference {
    private VariantReference() {}

    /** {total, logp, entropy, per-token loss} on float64 [N, V] logits z anywhere in a graph; lead is [B, T]. */
    static Tensor[] lossTerms(Tensor z, Tensor targets, PolicyLossInputs in, PolicyLossConfig cfg, long[] lead) {
        Tensor zs = z.div(s(cfg.temperature()));
        Tensor lsm = zs.log_softmax(1);
        Tensor logp = lsm.gather(1, targets.reshape(-1).unsqueeze(1)).squeeze(1);
        Tensor masked = torch.isinf(zs);
        Tensor h = zs.softmax(1).mul(lsm.masked_fill(masked, s(0.0))).sum(new long[] {1}, false, null).neg();
        Tensor old = flat(in.oldLogProbs()), a = flat(in.advantages()), w = flat(in.weights());
        Tensor c = flat(in.coefficients());

        Tensor d = logp.sub(old).clamp(new ScalarOptional(s(-20)), new ScalarOptional(s(20)));
        Tensor rho;
        if (cfg.importanceSamplingLevel() == ImportanceSamplingLevel.SEQUENCE) {
            long b = lead[0], t = lead[1];
            Tensor resp = c.ne(s(0.0)).to(ScalarType.Double).view(b, t);
            Tensor sum = logp.sub(old).view(b, t).mul(resp).sum(new long[] {1}, false, null);
            Tensor len = resp.sum(new long[] {1}, false, null).clamp(new ScalarOptional(s(1.0)), new ScalarOptional(s(1e300)));
            Tensor seq = sum.div(len).clamp(new ScalarOptional(s(-20)), new ScalarOptional(s(20))).exp();
            try (Tensor ones = torch.ones(new long[] {b, t}, new org.bytedeco.pytorch.TensorOptions(ScalarType.Double))) {
                rho = ones.mul(seq.unsqueeze(1)).reshape(-1);
            }
            // With a per-token mask the kernel gives GSPO-token's gradient, sg[s_i] * pi_t / sg[pi_t] (TRL's former
            // "sequence_token"): a masked token gets none, where TRL's "sequence" would spread the kept tokens'
            // gradient over the whole sequence through the mean (docs/LOSS_VARIANTS.md).
            if (in.pgKeep() != null || cfg.entropyThreshold() > 0)
                rho = rho.detach().mul(logp.sub(logp.detach()).exp());
        } else {
            rho = d.exp();
        }
        Tensor negA = a.neg();
        Tensor pg;
        if (cfg.surrogate() == Surrogate.CISPO) {
            Tensor weightIs = rho.detach().clamp(new ScalarOptional(s(-1e300)), new ScalarOptional(s(1 + cfg.clipHigh())));
            pg = negA.mul(weightIs).mul(logp);
        } else {
            pg = negA.mul(rho);
            if (cfg.surrogate() == Surrogate.CLIPPED) {
                Tensor rhoC = rho.clamp(new ScalarOptional(s(1 - cfg.clipLow())), new ScalarOptional(s(1 + cfg.clipHigh())));
                pg = torch.maximum(pg, negA.mul(rhoC));
            }
            if (cfg.dualClip() > 1) pg = torch.minimum(pg, negA.mul(s(cfg.dualClip()))).where(a.lt(s(0.0)), pg);
        }
        if (in.absKlCoef() != null) pg = pg.add(flat(in.absKlCoef()).mul(d.abs()));
        if (in.pgKeep() != null) pg = pg.mul(flat(in.pgKeep()));
        Tensor bonus = h.mul(s(cfg.entropyCoef()));
        if (cfg.entropyThreshold() > 0) {
            Tensor keep = h.detach().ge(s(cfg.entropyThreshold())).to(ScalarType.Double);
            pg = pg.mul(keep);
            bonus = bonus.mul(keep);
        }
        Tensor l = w.mul(pg).sub(bonus);
        if (cfg.klBeta() > 0) {
            Tensor x = flat(in.refLogProbs()).sub(logp);
            l = l.add(x.exp().sub(x).sub(s(1.0)).mul(s(cfg.klBeta())));
        }
        return new Tensor[] {c.mul(l).sum(), logp, h, l};
    }

    private static Tensor flat(Tensor t) {
        return t.detach().to(ScalarType.Double).reshape(-1);
    }
}
