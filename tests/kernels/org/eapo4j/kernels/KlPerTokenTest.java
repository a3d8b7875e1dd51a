package org.eapo4j.kernels;

import static org.eapo4j.kernels.KernelTestData.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link PolicyLossResult#klPerToken()} against k3 = exp(ref - logp) - (ref - logp) - 1 evaluated here in plain Java
 * double from float64 LibTorch log-probs ({@link AutogradReference#tokenStats}), not from the kernel's own log-probs.
 */
class KlPerTokenTest {
    private static final int B = 3, T = 11, V = 500;
    private static final double[] SHIFTS = {-1.0, -0.3, 0.0, 0.4, 1.2};  // ref - logp

    private static double k3(double logp, double ref) {
        double x = ref - logp;
        return Math.exp(x) - x - 1;
    }

    /** Kernel inputs over [B, T] with every fourth row masked (c = 0). */
    private record Setup(Tensor logits, Tensor y, double[] logp64, float[] ref, float[] coefs) {
        PolicyLossInputs inputs(boolean withRef) {
            long n = (long) B * T;
            float[] old = new float[(int) n], adv = new float[(int) n];
            for (int i = 0; i < n; i++) {
                old[i] = (float) (logp64[i] + 0.1 * ((i % 3) - 1));
                adv[i] = i % 2 == 0 ? 1f : -0.5f;
            }
            return new PolicyLossInputs(HostTensors.fromFloats(old, B, T),
                    withRef ? HostTensors.fromFloats(ref, B, T) : null, HostTensors.fromFloats(adv, B, T),
                    KernelTestData.constant(1f, B, T), HostTensors.fromFloats(coefs, B, T));
        }

        double[] expectedKl(boolean withRef) {
            double[] want = new double[logp64.length];
            for (int i = 0; i < want.length; i++) want[i] = withRef && coefs[i] != 0 ? k3(logp64[i], ref[i]) : 0.0;
            return want;
        }
    }

    private static Setup setup(ScalarType dtype, double tau, long seed) {
        Random rng = new Random(seed);
        Tensor logits = KernelTestData.logits(rng, dtype, 2.5, B, T, V);
        Tensor y = KernelTestData.targets(rng, V, B, T);
        double[] logp64 = AutogradReference.tokenStats(logits, y, tau).logp;
        float[] ref = new float[logp64.length], c = new float[logp64.length];
        for (int i = 0; i < ref.length; i++) {
            ref[i] = (float) (logp64[i] + SHIFTS[i % SHIFTS.length]);
            c[i] = i % 4 == 3 ? 0f : 1f / ref.length;
        }
        return new Setup(logits, y, logp64, ref, c);
    }

    @ParameterizedTest(name = "{0} ref={1} klBeta={2}")
    @CsvSource({"Float, true, 0.1", "Float, true, 0.0", "Float, false, 0.0",
                "BFloat16, true, 0.1", "BFloat16, true, 0.0", "BFloat16, false, 0.0"})
    void klPerTokenIsK3OfFloat64LogProbs(ScalarType dtype, boolean withRef, double klBeta) {
        try (PointerScope scope = new PointerScope()) {
            double tau = 0.9;
            Setup s = setup(dtype, tau, dtype.ordinal() * 7L + (withRef ? 1 : 0));
            PolicyLossInputs in = s.inputs(withRef);
            PolicyLossConfig cfg = PolicyLossConfig.builder().temperature(tau).klBeta(klBeta).entropyCoef(0.01).build();
            double[] want = s.expectedKl(withRef);
            float[] fresh;
            try (PolicyLossResult r = FusedKernels.policyLoss(s.logits(), s.y(), in, cfg)) {
                assertArrayEquals(new long[] {B, T}, TensorChecks.shape(r.klPerToken()), "shape [B, T]");
                assertEquals(ScalarType.Float, TensorChecks.dtype(r.klPerToken()));
                fresh = HostTensors.toFloats(r.klPerToken());
            }
            double[] got = new double[fresh.length];
            for (int i = 0; i < got.length; i++) got[i] = fresh[i];
            // The kernel's fp32 log-prob is off by ~1e-5 at most; k3 moves by |1 - exp(ref - logp)| (< 2.4) times that.
            assertClose("klPerToken", got, want, 1e-4, 2e-5);
            for (int i = 0; i < got.length; i++)
                if (s.coefs()[i] == 0) assertEquals(0.0, got[i], "masked row " + i + " reports 0");

            // The gradient-buffer and in-place variants fill the same output.
            Tensor buffer = s.logits().clone();
            try (PolicyLossResult r = FusedKernels.policyLoss(s.logits(), s.y(), in, cfg, buffer)) {
                assertArrayEquals(fresh, HostTensors.toFloats(r.klPerToken()), "with a gradient buffer");
            }
            Tensor work = s.logits().clone();
            try (PolicyLossResult r = FusedKernels.policyLoss(work, s.y(), in, cfg.toBuilder().gradInPlace(true)
                    .build())) {
                assertArrayEquals(fresh, HostTensors.toFloats(r.klPerToken()), "in place");
            }
        }
    }

    /** klBeta = 0 with a reference: k3 is reported but is not in the loss, even where it overflows fp32. */
    @Test
    void monitoredKlStaysOutOfTheLoss() {
        try (PointerScope scope = new PointerScope()) {
            Setup s = setup(ScalarType.Float, 1.0, 42);
            float[] ref = s.ref().clone();
            ref[0] = (float) (s.logp64()[0] + 120.0);  // exp(120) overflows fp32: k3 is +inf in the kernel
            Setup far = new Setup(s.logits(), s.y(), s.logp64(), ref, s.coefs());
            PolicyLossConfig cfg = PolicyLossConfig.builder().entropyCoef(0.01).build();  // klBeta = 0
            try (PolicyLossResult withRef = FusedKernels.policyLoss(far.logits(), far.y(), far.inputs(true), cfg);
                 PolicyLossResult noRef = FusedKernels.policyLoss(far.logits(), far.y(), far.inputs(false), cfg)) {
                assertTrue(Double.isFinite(withRef.loss()), "loss stays finite: " + withRef.loss());
                assertEquals(noRef.loss(), withRef.loss(), "klBeta = 0: the reference does not change the loss");
                assertArrayEquals(HostTensors.toFloats(noRef.tokenLoss()), HostTensors.toFloats(withRef.tokenLoss()));
                assertArrayEquals(HostTensors.toFloats(noRef.gradLogits()), HostTensors.toFloats(withRef.gradLogits()));
                float[] kl = HostTensors.toFloats(withRef.klPerToken());
                assertEquals(Float.POSITIVE_INFINITY, kl[0], "k3 beyond fp32 is reported as +inf");
                assertEquals(k3(s.logp64()[1], ref[1]), kl[1], 1e-4);
                for (float v : HostTensors.toFloats(noRef.klPerToken())) assertEquals(0f, v, "no reference: zeros");
            }
        }
    }
}
