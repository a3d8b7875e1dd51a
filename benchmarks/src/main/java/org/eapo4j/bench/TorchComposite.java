package org.eapo4j.bench;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.kernels.PolicyLossConfig;
import org.eapo4j.kernels.PolicyLossInputs;

/**
 * The LibTorch baseline: the same math as our kernels written the way a PyTorch user writes it, in the logits' own
 * dtype (fp32 or bf16, not float64): z / tau, log_softmax, gather, softmax, multiply, sum; the policy loss is the
 * clipped surrogate plus the entropy bonus, differentiated by autograd w.r.t. the logits. Per-token terms (ratio,
 * clip, advantages) are in fp32 as in common trainers. Every temporary is freed before a method returns.
 */
final class TorchComposite {
    private TorchComposite() {}

    /** log p(y) and H, each [N], in the logits' dtype; the caller closes both. Runs without autograd. */
    static Tensor[] tokenStats(Tensor logits, Tensor targets, double temperature) {
        try (PointerScope scope = new PointerScope(); NoGradGuard ng = new NoGradGuard()) {
            Tensor zs = logits.div(new Scalar(temperature));
            Tensor lsm = zs.log_softmax(1);
            Tensor logp = lsm.gather(1, targets.unsqueeze(1)).squeeze(1);
            Tensor p = zs.softmax(1);
            Tensor h = p.mul(lsm).sum(new long[] {1}, false, null).neg();
            logp.retainReference();  // survives the scope (PointerScope.detach would release it)
            h.retainReference();
            return new Tensor[] {logp, h};
        }
    }

    /** Loss and autograd gradient of one call. */
    record LossAndGrad(double loss, Tensor tokenLoss, Tensor grad) implements AutoCloseable {
        @Override
        public void close() {
            tokenLoss.close();
            grad.close();
        }
    }

    /**
     * Forward and backward of L = sum_t c_t (w_t pg_t - eta H_t) with autograd; returns dL/dlogits ([N, V], the
     * logits' dtype, a fresh tensor as autograd makes it) and the per-token loss (fp32).
     */
    static LossAndGrad policyLoss(Tensor logits, Tensor targets, PolicyLossInputs in, PolicyLossConfig cfg) {
        try (PointerScope scope = new PointerScope()) {
            Tensor z = logits.detach();  // a leaf on the same storage: no copy
            z.set_requires_grad(true);
            Tensor[] t = loss(z, targets, in, cfg);
            Tensor total = t[0], l = t[1];
            total.backward();
            double loss = total.item_double();
            Tensor grad = z.grad().detach();  // grad() is a reference into the leaf: take an owning handle
            Tensor tokenLoss = l.detach();
            grad.retainReference();  // both survive the scope
            tokenLoss.retainReference();
            return new LossAndGrad(loss, tokenLoss, grad);
        }
    }

    /**
     * The composite loss on [N, V] logits {@code z} anywhere in an autograd graph (the fused-head benchmark puts the
     * LM head before it): {total (0-dim), per-token loss (fp32)}, both in the graph; the caller runs backward.
     */
    static Tensor[] loss(Tensor z, Tensor targets, PolicyLossInputs in, PolicyLossConfig cfg) {
        Tensor zs = z.div(new Scalar(cfg.temperature()));
        Tensor lsm = zs.log_softmax(1);
        Tensor logp = lsm.gather(1, targets.unsqueeze(1)).squeeze(1).to(ScalarType.Float);
        Tensor p = zs.softmax(1);
        Tensor h = p.mul(lsm).sum(new long[] {1}, false, null).neg().to(ScalarType.Float);
        Tensor d = logp.sub(in.oldLogProbs()).clamp(new ScalarOptional(new Scalar(-20.0)),
                new ScalarOptional(new Scalar(20.0)));
        Tensor rho = d.exp();
        Tensor rhoC = rho.clamp(new ScalarOptional(new Scalar(1 - cfg.clipLow())),
                new ScalarOptional(new Scalar(1 + cfg.clipHigh())));
        Tensor negA = in.advantages().neg();
        Tensor pg = torch.maximum(negA.mul(rho), negA.mul(rhoC));
        Tensor l = in.weights().mul(pg).sub(h.mul(new Scalar(cfg.entropyCoef())));
        return new Tensor[] {in.coefficients().mul(l).sum(), l};
    }
}
