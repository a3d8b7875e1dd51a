package org.eapo4j.bench;

import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.kernels.FusedLinearHead;
import org.eapo4j.kernels.PolicyLossInputs;
import org.eapo4j.kernels.PolicyLossResult;
import org.eapo4j.kernels.TokenStats;
import org.eapo4j.tensors.HostTensors;

/**
 * Inputs of the fused-head benchmark, identical for every side: hidden states H [N, D] ~ Normal(0, 1) and a head
 * weight W [V, D] ~ Normal(0, 2 / sqrt(D)) (so the logits are ~ Normal(0, 2), as in {@link BenchInputs}), both leaves
 * that require a gradient, in the benchmarked dtype; uniform targets; per-token loss inputs built as in
 * {@link BenchInputs} (old log-probs around the current ones, advantages of both signs, token-mean coefficients).
 * The three sides, each one loss forward + backward whose gradients land in {@code H.grad()} and {@code W.grad()}:
 * <ul>
 *   <li>{@link #fusedHead}: {@link FusedLinearHead#policyLoss} (chunks of the default 256 MiB budget);</li>
 *   <li>{@link #fullLogitsOurs}: logits = H W^T by autograd ([N, V]), our kernel with the gradient in place,
 *       {@code logits.backward(grad)};</li>
 *   <li>{@link #libtorchAutograd}: logits = H W^T, the LibTorch composite ({@link TorchComposite#loss}),
 *       {@code loss.backward()}.</li>
 * </ul>
 * Owns native memory: close it.
 */
final class HeadInputs implements AutoCloseable {
    final int n, d, v;
    final ScalarType dtype;
    final Tensor hidden, weight, targets;
    final PolicyLossInputs loss;

    HeadInputs(int n, int d, int v, String dtype) {
        this.n = n;
        this.d = d;
        this.v = v;
        this.dtype = ScalarType.valueOf(dtype);
        torch.manual_seed(BenchInputs.SEED);
        try (Tensor h = torch.randn(n, d); Tensor w0 = torch.randn(v, d);
             Scalar scale = new Scalar(2.0 / Math.sqrt(d)); Tensor w = w0.mul(scale)) {
            hidden = h.to(this.dtype).clone();
            weight = w.to(this.dtype).clone();
        }
        hidden.set_requires_grad(true);
        weight.set_requires_grad(true);
        targets = torch.randint((long) v, new long[] {n});
        float[] a = new float[n], wt = new float[n], c = new float[n], shift = new float[n];
        java.util.Random rng = new java.util.Random(BenchInputs.SEED);
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((i % 3 == 0 ? -1 : 1) * (0.2 + rng.nextDouble()));
            wt[i] = a[i] > 0 ? 0.7f : 1.0f;
            c[i] = 1.0f / n;
            shift[i] = switch (i % 4) {
                case 0 -> 0.6f;
                case 1 -> -0.5f;
                case 2 -> 0.05f;
                default -> (float) ((rng.nextDouble() - 0.5) * 0.3);
            };
        }
        try (TokenStats st = FusedLinearHead.tokenStats(hidden, weight, targets, BenchInputs.TEMPERATURE);
             Tensor s = HostTensors.fromFloats(shift, n)) {
            loss = new PolicyLossInputs(st.logProbs().add(s), null, HostTensors.fromFloats(a, n),
                    HostTensors.fromFloats(wt, n), HostTensors.fromFloats(c, n));
        }
    }

    /** Drops the gradients (set to none, as a training step's zero_grad does), so every call starts alike. */
    void clearGrads() {
        hidden.mutable_grad().put(new Tensor());
        weight.mutable_grad().put(new Tensor());
    }

    double fusedHead(FusedLinearHead.Options opts) {
        try (PolicyLossResult r = FusedLinearHead.policyLoss(hidden, weight, targets, loss, BenchInputs.LOSS, opts)) {
            return r.loss();
        }
    }

    double fullLogitsOurs() {
        try (Tensor wt = weight.t(); Tensor logits = hidden.mm(wt);
             PolicyLossResult r = FusedKernels.policyLoss(logits, targets, loss, BenchInputs.LOSS_IN_PLACE)) {
            logits.backward(r.gradLogits(), new BoolOptional(), false, new TensorArrayRefOptional());
            return r.loss();
        }
    }

    double libtorchAutograd() {
        try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope()) {
            Tensor logits = hidden.mm(weight.t());
            Tensor[] t = TorchComposite.loss(logits, targets, loss, BenchInputs.LOSS);
            t[0].backward();
            return t[0].item_double();
        }
    }

    /** Bytes of the gradients every side delivers: dL/dW [V, D] and dL/dH [N, D] in the head's dtype. */
    long gradientBytes() {
        return ((long) v * d + (long) n * d) * hidden.element_size();
    }

    /** Bytes of one [N, V] logits tensor in the head's dtype. */
    long logitsBytes() {
        return (long) n * v * hidden.element_size();
    }

    @Override
    public void close() {
        clearGrads();
        hidden.close();
        weight.close();
        targets.close();
        loss.oldLogProbs().close();
        loss.advantages().close();
        loss.weights().close();
        loss.coefficients().close();
    }
}
