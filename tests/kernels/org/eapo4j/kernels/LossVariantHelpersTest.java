package org.eapo4j.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.Test;

/**
 * The Java helpers of the loss variants against hand-worked values and brute-force restatements of the sources
 * (TRL get_high_entropy_mask / torch.quantile, verl's Clip-Cov and KL-Cov selection, TRL's adaptive entropy update).
 */
class LossVariantHelpersTest {

    @Test
    void sequenceLogRatioIsTheMaskedMeanBroadcast() {
        float[] lp = {-1, -2, -3, 9, -1, -1, -1, -1}, old = {-1.5f, -2.5f, -2, 0, -2, -2, -2, -2};
        float[] mask = {1, 1, 1, 0, 0, 0, 0, 0};   // sequence 0: 3 tokens, sequence 1: none (denominator 1)
        float[] got = SequenceLogRatio.perToken(lp, old, mask, 2, 4);
        float m0 = (float) ((0.5 + 0.5 - 1.0) / 3);
        assertArrayEquals(new float[] {m0, m0, m0, m0, 0, 0, 0, 0}, got);
        try (PointerScope scope = new PointerScope()) {
            Tensor t = SequenceLogRatio.perToken(HostTensors.fromFloats(lp, 2, 4), HostTensors.fromFloats(old, 2, 4),
                    HostTensors.fromFloats(mask, 2, 4));
            assertArrayEquals(got, HostTensors.toFloats(t));
        }
    }

    @Test
    void topEntropyThresholdIsTorchQuantileOfTheLiveTokens() {
        // 5 live entropies 1..5: quantile(0.8) at position 3.2 -> 4.2; quantile(0.5) at 2 -> exactly 3.
        float[] h = {5, 1, 4, 2, 3};
        assertEquals(4.2, EntropyControls.topEntropyThreshold(h, 0.2), 1e-6);
        assertEquals(3.0, EntropyControls.topEntropyThreshold(h, 0.5), 0.0);
        assertEquals(0.0, EntropyControls.topEntropyThreshold(h, 1.0), 0.0);  // off
        double thr = EntropyControls.topEntropyThreshold(h, 0.2);
        assertEquals(thr, (float) thr, 0.0, "a float, so the kernel's float comparison is the double one");
        assertTrue(thr >= 4.2, "rounded up, never onto a lower entropy");
        try (PointerScope scope = new PointerScope()) {
            Tensor ht = HostTensors.fromFloats(new float[] {5, 1, 4, 99, 2, 3}, 2, 3);
            Tensor mt = HostTensors.fromFloats(new float[] {1, 1, 1, 0, 1, 1}, 2, 3);  // 99 is padding
            assertEquals(thr, EntropyControls.topEntropyThreshold(ht, mt, 0.2), 0.0);
        }
    }

    /** A token exactly at the threshold keeps its policy gradient (TRL: entropy >= threshold). */
    @Test
    void kernelKeepsTheTokenAtTheThreshold() {
        try (PointerScope scope = new PointerScope()) {
            Random rng = new Random(4);
            int n = 9, v = 64;
            Tensor logits = KernelTestData.logits(rng, ScalarType.Float, 2.0, n, v);
            Tensor y = KernelTestData.targets(rng, v, n);
            float[] h;
            try (TokenStats st = FusedKernels.tokenStats(logits, y, 1.0)) {
                h = HostTensors.toFloats(st.entropy());
            }
            double thr = EntropyControls.topEntropyThreshold(h, 0.5);   // position 4 of 9: exactly the median
            PolicyLossInputs in = new PolicyLossInputs(KernelTestData.constant(-4f, n), null,
                    KernelTestData.constant(1f, n), KernelTestData.constant(1f, n), KernelTestData.constant(0.1f, n));
            try (PolicyLossResult r = FusedKernels.policyLoss(logits, y, in,
                    PolicyLossConfig.builder().entropyThreshold(thr).build())) {
                byte[] f = HostTensors.toBytes(r.clippedFlags());
                int kept = 0;
                for (int i = 0; i < n; i++) {
                    boolean masked = (f[i] & 4) != 0;
                    assertEquals(h[i] < thr, masked, "token " + i);
                    if (!masked) kept++;
                }
                assertEquals(5, kept, "the top half plus the median token");
            }
        }
    }

    @Test
    void clipCovDropsARandomSubsetOfTheBandCandidates() {
        Random rng = new Random(2);
        int n = 400;
        float[] lp = new float[n], old = new float[n], adv = new float[n], mask = new float[n];
        for (int i = 0; i < n; i++) {
            lp[i] = (float) (-3 * rng.nextDouble());
            old[i] = (float) (lp[i] + 0.3 * rng.nextGaussian());
            adv[i] = (float) (i / 40 % 2 == 0 ? 1.5 : -1.0);
            mask[i] = i % 10 == 9 ? 0 : 1;
        }
        double lo = 0.2, hi = 0.28, ratio = 0.05, lb = -0.2, ub = 0.8;
        byte[] keep = CovarianceSelection.clipCovKeep(lp, old, adv, mask, lo, hi, ratio, lb, ub, 11);
        // verl's rule restated: candidates = response tokens, not clipped by the surrogate, lb < cov < ub.
        double ma = 0, ml = 0, live = 0;
        for (int i = 0; i < n; i++) if (mask[i] != 0) { ma += adv[i]; ml += lp[i]; live++; }
        ma /= live;
        ml /= live;
        int candidates = 0, dropped = 0;
        for (int i = 0; i < n; i++) {
            double r = Math.exp(lp[i] - old[i]);
            double unclipped = -adv[i] * r, clipped = -adv[i] * Math.max(1 - lo, Math.min(1 + hi, r));
            double cov = (adv[i] - ma) * (lp[i] - ml);
            boolean cand = mask[i] != 0 && !(clipped > unclipped) && cov > lb && cov < ub;
            if (cand) candidates++;
            if (keep[i] == 0) {
                dropped++;
                assertTrue(cand, "token " + i + " dropped but not a candidate");
            }
        }
        assertEquals(Math.min(Math.max((int) (ratio * live), 1), candidates), dropped);
        assertTrue(candidates > dropped, "a strict subset, so the draw matters");
        assertArrayEquals(keep, CovarianceSelection.clipCovKeep(lp, old, adv, mask, lo, hi, ratio, lb, ub, 11),
                "deterministic given the seed");
        assertFalse(Arrays.equals(keep, CovarianceSelection.clipCovKeep(lp, old, adv, mask, lo, hi, ratio, lb, ub, 12)),
                "another seed, another subset");
    }

    @Test
    void klCovPicksTheLargestCovariances() {
        float[] lp = {-1, -2, -3, -0.5f, -4, -0.1f}, adv = {1, 1, -1, 2, -2, 0.5f}, mask = {1, 1, 1, 1, 1, 0};
        float[] k = CovarianceSelection.klCovCoef(lp, adv, mask, 0.4, 1.5);  // floor(5 * 0.4) = 2 tokens
        // means over the 5 live tokens: A 0.2, logp -2.1; cov = (A - 0.2)(logp + 2.1)
        // = 0.88, -0.08, 1.08, 2.88, 4.32 -> the two largest are tokens 4 and 3
        assertArrayEquals(new float[] {0, 0, 0, 1.5f, 1.5f, 0}, k);
        float[] one = CovarianceSelection.klCovCoef(lp, adv, mask, 0.01, 1.0);  // at least one token
        assertEquals(1.0f, one[4]);
        assertEquals(1.0f, (float) Arrays.stream(toDoubles(one)).sum(), 0f);
    }

    static double[] toDoubles(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    /** TRL's controller, step by step: applied only while the last entropy is <= target, moved by delta within bounds. */
    @Test
    void adaptiveEntropyCoefFollowsTrl() {
        AdaptiveEntropyCoef a = new AdaptiveEntropyCoef(0.01, 0.5, 0.0, 0.02, 0.005);
        assertEquals(0.0, a.coefInForce(), 0.0, "nothing measured yet: not applied");
        a.update(0.4);                                     // below target: up, applied
        assertEquals(0.015, a.coef(), 1e-15);
        assertEquals(0.015, a.coefInForce(), 1e-15);
        a.update(0.3);
        a.update(0.3);                                     // capped at max
        assertEquals(0.02, a.coef(), 1e-15);
        a.update(0.9);                                     // above target: down, not applied
        assertEquals(0.015, a.coef(), 1e-15);
        assertEquals(0.0, a.coefInForce(), 0.0);
        for (int i = 0; i < 10; i++) a.update(0.9);        // floored at min
        assertEquals(0.0, a.coef(), 0.0);
        AdaptiveEntropyCoef.State s = a.state();
        AdaptiveEntropyCoef b = new AdaptiveEntropyCoef(0.01, 0.5, 0.0, 0.02, 0.005);
        b.restore(s);
        assertEquals(a.coef(), b.coef(), 0.0);
        assertEquals(a.lastEntropy(), b.lastEntropy(), 0.0);
        // The coefficient reaches the kernel as a plain config value: a new config each step.
        assertEquals(0.015, PolicyLossConfig.builder().entropyCoef(0.015).build().entropyCoef(), 0.0);
    }

    @Test
    void trlLossTypesMapToAggregations() {
        assertEquals(LossAggregation.SEQ_MEAN_TOKEN_MEAN, LossAggregation.ofTrlLossType("grpo"));
        assertEquals(LossAggregation.TOKEN_MEAN, LossAggregation.ofTrlLossType("bnpo"));
        assertEquals(LossAggregation.SEQ_MEAN_TOKEN_SUM_NORM, LossAggregation.ofTrlLossType("dr_grpo"));
        assertEquals(LossAggregation.TOKEN_MEAN, LossAggregation.ofTrlLossType("dapo"));
        assertEquals(LossAggregation.TOKEN_MEAN, LossAggregation.ofTrlLossType("cispo"));
        assertEquals(Surrogate.CISPO, Surrogate.fromName("cispo"));
        assertEquals(ImportanceSamplingLevel.SEQUENCE, ImportanceSamplingLevel.fromName("sequence"));
    }
}
