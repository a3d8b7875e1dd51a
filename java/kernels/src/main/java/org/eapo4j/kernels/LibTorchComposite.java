package org.eapo4j.kernels;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * The same math as the fused kernels written as plain LibTorch ops in the logits' own precision: the baseline the
 * demo and the benchmarks time our kernels against (the tests use a float64 version instead). Results are returned
 * as new tensors owned by the caller (close them, or the returned {@link TokenStats}); they are not attached to a
 * {@link KernelScope}. Every temporary is freed before returning; the arguments are never closed.
 */
public final class LibTorchComposite {
    private LibTorchComposite() {}

    /** log_softmax, gather, softmax, multiply, sum: [N] log-probs and entropies of [N, V] logits. */
    public static TokenStats tokenStats(Tensor logits, Tensor targets, double temperature) {
        Tensor logp, entropy;
        try (PointerScope scope = new PointerScope()) {
            long v = logits.size(logits.dim() - 1);
            Tensor z = logits.reshape(-1, v).div(new Scalar(temperature));
            Tensor lsm = z.log_softmax(1);
            logp = lsm.gather(1, targets.reshape(-1).unsqueeze(1)).squeeze(1);
            Tensor p = z.softmax(1);
            Tensor plogp = p.mul(lsm.masked_fill(torch.isinf(z), new Scalar(0.0)));
            entropy = plogp.sum(new long[] {1}, false, null).neg();
            logp.retainReference();
            entropy.retainReference();
        }
        return new TokenStats(logp, entropy);
    }

    /**
     * The clipped surrogate + dual clip + k3 KL + entropy bonus of SPEC.md on [N, V] logits, and its gradient w.r.t.
     * the logits by LibTorch autograd. Returns {loss (0-dim), dL/dlogits}; close both.
     */
    public static Tensor[] policyLossWithGrad(Tensor logits, Tensor targets, PolicyLossInputs in, PolicyLossConfig cfg) {
        Tensor loss, grad;
        try (PointerScope scope = new PointerScope()) {
            long v = logits.size(logits.dim() - 1);
            Tensor z = logits.detach().reshape(-1, v);
            z.set_requires_grad(true);
            Tensor zs = z.div(new Scalar(cfg.temperature()));
            Tensor lsm = zs.log_softmax(1);
            Tensor logp = lsm.gather(1, targets.reshape(-1).unsqueeze(1)).squeeze(1);
            Tensor p = zs.softmax(1);
            Tensor h = p.mul(lsm.masked_fill(torch.isinf(zs), new Scalar(0.0))).sum(new long[] {1}, false, null).neg();
            Tensor a = in.advantages().reshape(-1), negA = a.neg();
            Tensor rho = logp.sub(in.oldLogProbs().reshape(-1))
                    .clamp(new ScalarOptional(new Scalar(-20.0)), new ScalarOptional(new Scalar(20.0))).exp();
            Tensor rhoC = rho.clamp(new ScalarOptional(new Scalar(1 - cfg.clipLow())),
                    new ScalarOptional(new Scalar(1 + cfg.clipHigh())));
            Tensor pg = torch.maximum(negA.mul(rho), negA.mul(rhoC));
            if (cfg.dualClip() > 1)
                pg = torch.minimum(pg, negA.mul(new Scalar(cfg.dualClip()))).where(a.lt(new Scalar(0.0)), pg);
            Tensor l = in.weights().reshape(-1).mul(pg).sub(h.mul(new Scalar(cfg.entropyCoef())));
            if (cfg.klBeta() > 0 && in.refLogProbs() != null) {
                Tensor x = in.refLogProbs().reshape(-1).sub(logp);
                l = l.add(x.exp().sub(x).sub(new Scalar(1.0)).mul(new Scalar(cfg.klBeta())));
            }
            loss = in.coefficients().reshape(-1).mul(l).sum();
            loss.backward(new Tensor(), new BoolOptional(), false, new TensorArrayRefOptional());
            grad = z.grad().reshape(TensorChecks.shape(logits));
            loss = loss.detach();
            loss.retainReference();
            grad.retainReference();
        }
        return new Tensor[] {loss, grad};
    }
}
