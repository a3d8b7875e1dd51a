package org.eapo4j.kernels;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.tensors.HostTensors;

/**
 * The independent reference for the kernel tests: SPEC.md written as a LibTorch composite expression in float64
 * (log_softmax, gather, softmax, the clipped surrogate, k3 KL, entropy) and differentiated by autograd.
 * {@code kl} is k3 = exp(ref - logp) - (ref - logp) - 1 of the float64 log-probs, whenever reference log-probs are
 * given (whatever klBeta), null otherwise.
 * It shares no code with the kernels; the logits are first rounded to their own dtype, so a bf16 input is compared
 * with the exact math on the same bf16 values.
 */
final class AutogradReference {
    final double loss;
    final double[] logp, entropy, tokenLoss, grad, kl;

    private AutogradReference(double loss, double[] logp, double[] entropy, double[] tokenLoss, double[] grad,
                              double[] kl) {
        this.loss = loss;
        this.logp = logp;
        this.entropy = entropy;
        this.tokenLoss = tokenLoss;
        this.grad = grad;
        this.kl = kl;
    }

    static Scalar s(double v) {
        return new Scalar(v);
    }

    static double[] doubles(Tensor t) {
        try (Tensor c = t.detach().cpu().to(ScalarType.Double).contiguous();
             org.bytedeco.javacpp.DoublePointer p = new org.bytedeco.javacpp.DoublePointer(c.data_ptr())) {
            double[] out = new double[(int) c.numel()];
            p.get(out);
            return out;
        }
    }

    /** Token statistics only (no loss). */
    static AutogradReference tokenStats(Tensor logits, Tensor targets, double temperature) {
        try (PointerScope scope = new PointerScope()) {
            long v = logits.size(logits.dim() - 1);
            Tensor z = logits.detach().to(ScalarType.Double).reshape(-1, v).contiguous();
            Tensor zs = z.div(s(temperature));
            Tensor lsm = zs.log_softmax(1);
            Tensor y = targets.reshape(-1).unsqueeze(1);
            Tensor logp = lsm.gather(1, y).squeeze(1);
            Tensor entropy = entropy(zs, lsm);
            return new AutogradReference(Double.NaN, doubles(logp), doubles(entropy), null, null, null);
        }
    }

    private static Tensor entropy(Tensor zs, Tensor lsm) {
        // H = -sum p log p, with the masked (-inf) entries contributing exactly 0 (and no NaN gradient).
        Tensor masked = torch.isinf(zs);
        Tensor p = zs.softmax(1);
        return p.mul(lsm.masked_fill(masked, s(0.0))).sum(new long[] {1}, false, null).neg();
    }

    /** Loss, per-token values and dL/dlogits (flattened [N * V], row-major) of SPEC.md. */
    static AutogradReference policyLoss(Tensor logits, Tensor targets, PolicyLossInputs in, PolicyLossConfig cfg) {
        try (PointerScope scope = new PointerScope()) {
            long v = logits.size(logits.dim() - 1);
            Tensor z = logits.detach().to(ScalarType.Double).reshape(-1, v).contiguous().clone();
            z.set_requires_grad(true);
            Tensor[] t = lossTerms(z, targets, in, cfg);
            t[0].backward();
            double loss = t[0].item_double();
            double[] klValues = null;
            if (in.refLogProbs() != null) {   // k3 of the detached log-probs: what the kernel reports per token
                Tensor x = flat(in.refLogProbs()).sub(t[1].detach());
                klValues = doubles(x.exp().sub(x).sub(s(1.0)));
            }
            return new AutogradReference(loss, doubles(t[1]), doubles(t[2]), doubles(t[3]), doubles(z.grad()), klValues);
        }
    }

    /**
     * SPEC.md's loss on float64 [N, V] logits {@code z} that may be anywhere in an autograd graph (the fused-head
     * tests put a float64 linear head before it): {total (0-dim), logp, entropy, per-token loss}, all in the graph.
     */
    static Tensor[] lossTerms(Tensor z, Tensor targets, PolicyLossInputs in, PolicyLossConfig cfg) {
        Tensor zs = z.div(s(cfg.temperature()));
        Tensor lsm = zs.log_softmax(1);
        Tensor logp = lsm.gather(1, targets.reshape(-1).unsqueeze(1)).squeeze(1);
        Tensor h = entropy(zs, lsm);
        Tensor old = flat(in.oldLogProbs()), a = flat(in.advantages()), w = flat(in.weights());
        Tensor c = flat(in.coefficients());

        Tensor d = logp.sub(old).clamp(new ScalarOptional(s(-20)), new ScalarOptional(s(20)));
        Tensor rho = d.exp();
        Tensor rhoC = rho.clamp(new ScalarOptional(s(1 - cfg.clipLow())), new ScalarOptional(s(1 + cfg.clipHigh())));
        Tensor negA = a.neg();
        Tensor pg = torch.maximum(negA.mul(rho), negA.mul(rhoC));
        if (cfg.dualClip() > 1) {
            Tensor capped = torch.minimum(pg, negA.mul(s(cfg.dualClip())));
            pg = capped.where(a.lt(s(0.0)), pg);
        }
        Tensor l = w.mul(pg).sub(h.mul(s(cfg.entropyCoef())));
        if (cfg.klBeta() > 0) {
            Tensor x = flat(in.refLogProbs()).sub(logp);
            Tensor kl = x.exp().sub(x).sub(s(1.0));
            l = l.add(kl.mul(s(cfg.klBeta())));
        }
        return new Tensor[] {c.mul(l).sum(), logp, h, l};
    }

    private static Tensor flat(Tensor t) {
        return t.detach().to(ScalarType.Double).reshape(-1);
    }

    static Tensor floats(float[] data, long... shape) {
        return HostTensors.fromFloats(data, shape);
    }
}
