package org.eapo4j.kernels;

import java.util.Arrays;
import java.util.Random;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.tensors.HostTensors;

/**
 * The loss-variant test cases over [B, T] sequences: right-padded masks, per-sequence advantages and weights (as GRPO
 * gives them, which GSPO's exactness needs), seq-mean-token-mean coefficients, and the variant inputs built by the
 * library's helpers from the current policy's token statistics (the exact mode of docs/LOSS_VARIANTS.md).
 */
enum VariantCases {
    GSPO, GSPO_DUAL_KL_ENTROPY, CISPO, CISPO_GSPO, TOP_ENTROPY, CLIP_COV, KL_COV, ALL;

    /** One case's config and inputs; the tensors live in the caller's PointerScope. */
    record Built(PolicyLossConfig cfg, PolicyLossInputs in, float[] mask) {}

    static final float[] SEQ_ADV = {1.2f, -0.8f, 0.5f, -1.5f, 0.9f};
    static final double[] SEQ_SHIFT = {0.5, -0.4, 0.05, -0.1, 0.3};  // old = logp + shift: below, above, inside

    boolean sequence() {
        return this == GSPO || this == GSPO_DUAL_KL_ENTROPY || this == CISPO_GSPO || this == ALL;
    }

    PolicyLossConfig config(double tau) {
        PolicyLossConfig.Builder b = PolicyLossConfig.builder().temperature(tau).clipLow(0.2).clipHigh(0.28);
        if (sequence()) b.importanceSamplingLevel(ImportanceSamplingLevel.SEQUENCE);
        switch (this) {
            case GSPO_DUAL_KL_ENTROPY, ALL -> b.dualClip(3.0).klBeta(0.05).entropyCoef(0.01);
            case CISPO, CISPO_GSPO -> b.surrogate(Surrogate.CISPO);
            case TOP_ENTROPY -> b.klBeta(0.05).entropyCoef(0.02);
            case KL_COV -> b.surrogate(Surrogate.UNCLIPPED);
            default -> { }
        }
        return b.build();
    }

    /** Inputs for [B, T, V] logits (B <= 5). */
    Built build(Tensor logits, Tensor y, int b, int t, double tau, Random rng) {
        PolicyLossConfig cfg = config(tau);
        int n = b * t;
        float[] mask = new float[n], adv = new float[n], w = new float[n], old = new float[n];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < t; j++) {
                int k = i * t + j;
                mask[k] = j < t - i ? 1f : 0f;
                adv[k] = SEQ_ADV[i];
                w[k] = adv[k] > 0 ? 0.7f : 1.0f;
            }
        try (TokenStats st = FusedKernels.tokenStats(logits, y, tau)) {
            float[] lp = HostTensors.toFloats(st.logProbs()), ent = HostTensors.toFloats(st.entropy());
            for (int k = 0; k < n; k++) old[k] = (float) (lp[k] + SEQ_SHIFT[k / t] + 0.1 * (rng.nextDouble() - 0.5));
            Tensor oldT = HostTensors.fromFloats(old, b, t), advT = HostTensors.fromFloats(adv, b, t);
            Tensor maskT = HostTensors.fromFloats(mask, b, t), lpT = st.logProbs().view(b, t);
            Tensor ref = KernelTestData.oldAround(st.logProbs(), rng).view(b, t);
            Tensor coef = LossAggregation.SEQ_MEAN_TOKEN_MEAN.coefficients(maskT);
            Tensor seq = sequence() ? SequenceLogRatio.perToken(lpT, oldT, maskT) : null;
            Tensor keep = this == CLIP_COV || this == ALL
                    ? CovarianceSelection.clipCovKeep(lpT, oldT, advT, maskT, 0.2, 0.28, 0.25, -100, 100, 7) : null;
            Tensor absKl = this == KL_COV || this == ALL
                    ? CovarianceSelection.klCovCoef(lpT, advT, maskT, 0.25, 1.0) : null;
            if (this == TOP_ENTROPY || this == ALL) cfg = cfg.toBuilder().entropyThreshold(gapThreshold(ent, mask)).build();
            PolicyLossInputs in = new PolicyLossInputs(oldT, ref, advT, HostTensors.fromFloats(w, b, t), coef, seq,
                    keep, absKl);
            return new Built(cfg, in, mask);
        }
    }

    /** A threshold near the live entropies' 40% quantile, halfway across a clear gap (no token sits on it). */
    static double gapThreshold(float[] ent, float[] mask) {
        double[] e = new double[ent.length];
        int m = 0;
        for (int i = 0; i < ent.length; i++) if (mask[i] != 0) e[m++] = ent[i];
        e = Arrays.copyOf(e, m);
        Arrays.sort(e);
        for (int k = m * 2 / 5; k + 1 < m; k++)
            if (e[k + 1] - e[k] > 1e-3 * (1 + e[k])) return 0.5 * (e[k] + e[k + 1]);
        throw new IllegalStateException("no entropy gap");
    }
}
