package org.eapo4j.bench;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.kernels.PolicyLossInputs;
import org.eapo4j.kernels.TokenStats;
import org.eapo4j.tensors.HostTensors;

/**
 * The once-per-trial sanity check: our output of the full benchmarked call against the LibTorch composite of
 * {@link TorchComposite}, on the first and the last {@value #ROWS} rows (rows are independent, so the rows of a slice
 * are the rows of the full batch; the tail rows belong to the last worker thread). The reference runs on the same
 * logits values upcast to fp32 (a no-op for fp32 logits): the bf16 composite itself rounds its log-probs to bf16 and
 * is off by several percent in the gradient at V = 151936 (|log p| ~ 12, so one bf16 ulp of log p is ~6% of the
 * ratio), too far to tell a wrong kernel from rounding. The timed bf16 LibTorch benchmark runs the same composite
 * code. Tolerances: fp32 arithmetic differences, plus bf16 storage (2^-8) for our bf16 gradient. This catches a wrong
 * kernel (wrong row, sign, term or mode), not a last-bit difference; the precision contract is in FusedKernelsTest
 * against float64.
 */
final class Agreement {
    static final int ROWS = 16;

    private Agreement() {}

    /** Throws IllegalStateException when our token statistics disagree with LibTorch's. */
    static void checkTokenStats(BenchInputs in, TokenStats ours) {
        for (long start : starts(in.n)) {
            int k = (int) Math.min(ROWS, in.n - start);
            try (PointerScope scope = new PointerScope()) {
                Tensor[] ref = TorchComposite.tokenStats(in.logits.narrow(0, start, k).to(ScalarType.Float),
                        in.targets.narrow(0, start, k), BenchInputs.TEMPERATURE);
                compare("token-stats logp", start, HostTensors.toFloats(ours.logProbs().narrow(0, start, k)),
                        HostTensors.toFloats(ref[0]), 1e-3, 1e-4);
                compare("token-stats entropy", start, HostTensors.toFloats(ours.entropy().narrow(0, start, k)),
                        HostTensors.toFloats(ref[1]), 1e-3, 1e-4);
                ref[0].close();
                ref[1].close();
            }
        }
    }

    /**
     * Throws IllegalStateException when our per-token loss or dL/dlogits disagree with LibTorch autograd.
     * {@code logits} are the logits the call saw (for an in-place call: a copy taken before it).
     */
    static void checkPolicyLoss(BenchInputs in, Tensor logits, Tensor oursTokenLoss, Tensor oursGrad) {
        PolicyLossInputs li = in.loss;
        boolean bf16 = in.dtype == ScalarType.BFloat16;
        for (long start : starts(in.n)) {
            int k = (int) Math.min(ROWS, in.n - start);
            try (PointerScope scope = new PointerScope()) {
                PolicyLossInputs slice = new PolicyLossInputs(li.oldLogProbs().narrow(0, start, k), null,
                        li.advantages().narrow(0, start, k), li.weights().narrow(0, start, k),
                        li.coefficients().narrow(0, start, k));
                try (TorchComposite.LossAndGrad ref = TorchComposite.policyLoss(
                        logits.narrow(0, start, k).to(ScalarType.Float),
                        in.targets.narrow(0, start, k), slice, BenchInputs.LOSS)) {
                    compare("policy-loss token loss", start, HostTensors.toFloats(oursTokenLoss.narrow(0, start, k)),
                            HostTensors.toFloats(ref.tokenLoss()), 1e-4, 1e-3);
                    float[] want = HostTensors.toFloats(ref.grad());
                    float maxAbs = 0;
                    for (float x : want) maxAbs = Math.max(maxAbs, Math.abs(x));
                    compare("policy-loss dL/dlogits", start * in.v,
                            HostTensors.toFloats(oursGrad.narrow(0, start, k)), want,
                            (bf16 ? 4e-3 : 1e-4) * maxAbs, bf16 ? 1e-2 : 1e-3);
                }
            }
        }
    }

    private static long[] starts(int n) {
        return n <= 2 * ROWS ? new long[] {0} : new long[] {0, n - ROWS};
    }

    private static void compare(String what, long offset, float[] got, float[] want, double atol, double rtol) {
        if (got.length != want.length)
            throw new IllegalStateException(what + ": " + got.length + " values, LibTorch has " + want.length);
        for (int i = 0; i < got.length; i++) {
            double err = Math.abs((double) got[i] - want[i]);
            if (!(err <= atol + rtol * Math.abs(want[i])))
                throw new IllegalStateException(what + " disagrees with LibTorch at flat index " + (offset + i)
                        + ": ours " + got[i] + ", LibTorch " + want[i] + " (atol " + atol + ", rtol " + rtol + ")");
        }
    }
}
