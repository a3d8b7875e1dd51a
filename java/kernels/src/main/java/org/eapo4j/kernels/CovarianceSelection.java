package org.eapo4j.kernels;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.tensors.HostTensors;

/**
 * The token selections of Clip-Cov and KL-Cov ("The Entropy Mechanism of RL for reasoning LMs"; verl
 * {@code loss_mode=clip_cov / kl_cov}), computed from per-token log-probs, advantages and the response mask with
 * batch-wide statistics, as the per-token inputs of the fused kernel: {@link PolicyLossInputs#pgKeep()} (Clip-Cov) and
 * {@link PolicyLossInputs#absKlCoef()} (KL-Cov). The covariance of a token is
 * cov_t = (A_t - mean(A)) * (logp_t - mean(logp)), the means over the batch's response tokens.
 *
 * <p>What differs from verl: verl selects from the current pass's log-probs inside the loss; a one-pass kernel needs
 * the selection first, so {@code logProbs} is what the caller has: the old-policy pass (then ratio = 1 and no token
 * is "clipped by origin"; free) or a token-statistics pass of the current policy (verl's selection exactly). Clip-Cov's
 * random subset is drawn by a seeded permutation (java.util.SplittableRandom), not torch.randperm: deterministic given
 * the seed, a different subset than verl's for the same seed. KL-Cov's top-k breaks ties by the lower token index.
 * Statistics are in double (verl: float32). With data parallelism, call these on the gathered global batch (the
 * covariance and the counts are global in the paper's method) and give each rank its rows. Stateless.
 */
public final class CovarianceSelection {
    private CovarianceSelection() {}

    /**
     * Clip-Cov's keep mask for [B, T] tensors: a new uint8 [B, T] tensor on logProbs' device (0 = the token's
     * policy-gradient term is removed), owned by the caller.
     */
    public static Tensor clipCovKeep(Tensor logProbs, Tensor oldLogProbs, Tensor advantages, Tensor mask,
                                     double clipLow, double clipHigh, double clipCovRatio, double clipCovLb,
                                     double clipCovUb, long seed) {
        int[] bt = SequenceRows.shape("logProbs", logProbs);
        SequenceRows.requireSameShape("oldLogProbs", oldLogProbs, bt);
        SequenceRows.requireSameShape("advantages", advantages, bt);
        SequenceRows.requireSameShape("mask", mask, bt);
        byte[] keep = clipCovKeep(HostTensors.toFloats(logProbs), HostTensors.toFloats(oldLogProbs),
                HostTensors.toFloats(advantages), HostTensors.toFloats(mask), clipLow, clipHigh, clipCovRatio,
                clipCovLb, clipCovUb, seed);
        return HostTensors.toDeviceOf(HostTensors.fromBytes(keep, bt[0], bt[1]), logProbs);
    }

    /**
     * Clip-Cov on flat arrays (any layout, one entry per token): 1 = keep, 0 = removed. Among the response tokens
     * not already clipped by the surrogate (-A clip(rho) &gt; -A rho) whose covariance lies strictly between
     * clipCovLb and clipCovUb, max(1, floor(clipCovRatio * #response tokens)) are drawn at random.
     */
    public static byte[] clipCovKeep(float[] logp, float[] old, float[] adv, float[] mask, double clipLow,
                                     double clipHigh, double clipCovRatio, double clipCovLb, double clipCovUb,
                                     long seed) {
        int n = requireSameLength(logp, old, adv, mask);
        if (!(clipCovRatio > 0 && clipCovRatio <= 1))
            throw new IllegalArgumentException("clipCovRatio must be in (0, 1], got " + clipCovRatio);
        if (!(clipCovLb < clipCovUb))
            throw new IllegalArgumentException("clipCovLb must be < clipCovUb, got " + clipCovLb + " and " + clipCovUb);
        if (!(clipLow >= 0 && clipLow < 1)) throw new IllegalArgumentException("clipLow must be in [0, 1), got " + clipLow);
        if (!(clipHigh >= 0)) throw new IllegalArgumentException("clipHigh must be >= 0, got " + clipHigh);
        double[] cov = covariance(logp, adv, mask);
        int live = 0;
        int[] candidates = new int[n];
        int nc = 0;
        for (int t = 0; t < n; t++) {
            if (mask[t] == 0f) continue;
            live++;
            double rho = Math.exp((double) logp[t] - old[t]);
            double a = adv[t];
            boolean clippedByOrigin = -a * Math.min(1 + clipHigh, Math.max(1 - clipLow, rho)) > -a * rho;
            if (!clippedByOrigin && cov[t] > clipCovLb && cov[t] < clipCovUb) candidates[nc++] = t;
        }
        byte[] keep = new byte[n];
        Arrays.fill(keep, (byte) 1);
        int clipNum = Math.max((int) (clipCovRatio * live), 1);
        int take = Math.min(clipNum, nc);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < take; i++) {  // the first `take` of a Fisher-Yates shuffle of the candidates
            int j = i + rng.nextInt(nc - i);
            int tmp = candidates[i];
            candidates[i] = candidates[j];
            candidates[j] = tmp;
            keep[candidates[i]] = 0;
        }
        return keep;
    }

    /**
     * KL-Cov's coefficients for [B, T] tensors: a new fp32 [B, T] tensor on logProbs' device, ppoKlCoef on the
     * selected tokens and 0 elsewhere, owned by the caller.
     */
    public static Tensor klCovCoef(Tensor logProbs, Tensor advantages, Tensor mask, double klCovRatio,
                                   double ppoKlCoef) {
        int[] bt = SequenceRows.shape("logProbs", logProbs);
        SequenceRows.requireSameShape("advantages", advantages, bt);
        SequenceRows.requireSameShape("mask", mask, bt);
        float[] k = klCovCoef(HostTensors.toFloats(logProbs), HostTensors.toFloats(advantages),
                HostTensors.toFloats(mask), klCovRatio, ppoKlCoef);
        return HostTensors.toDeviceOf(HostTensors.fromFloats(k, bt[0], bt[1]), logProbs);
    }

    /**
     * KL-Cov on flat arrays: the max(1, floor(klCovRatio * #response tokens)) response tokens of largest covariance
     * get ppoKlCoef (the kernel then adds ppoKlCoef * |logp - old| to their policy-gradient term), the others 0.
     */
    public static float[] klCovCoef(float[] logp, float[] adv, float[] mask, double klCovRatio, double ppoKlCoef) {
        int n = requireSameLength(logp, adv, mask);
        if (!(klCovRatio > 0 && klCovRatio <= 1))
            throw new IllegalArgumentException("klCovRatio must be in (0, 1], got " + klCovRatio);
        float coef = KernelScalars.normalOrZero("ppoKlCoef", ppoKlCoef);
        if (coef < 0) throw new IllegalArgumentException("ppoKlCoef must be >= 0, got " + ppoKlCoef);
        double[] cov = covariance(logp, adv, mask);
        Integer[] live = new Integer[n];
        int nl = 0;
        for (int t = 0; t < n; t++) if (mask[t] != 0f) live[nl++] = t;
        float[] out = new float[n];
        if (nl == 0) return out;
        Integer[] order = Arrays.copyOf(live, nl);
        Arrays.sort(order, (x, y) -> {   // largest covariance first, then the lower index
            int c = Double.compare(cov[y], cov[x]);
            return c != 0 ? c : Integer.compare(x, y);
        });
        int k = Math.max(1, (int) (nl * klCovRatio));
        for (int i = 0; i < k; i++) out[order[i]] = coef;
        return out;
    }

    /** cov_t = (A_t - mean A)(logp_t - mean logp), means over mask != 0 tokens; 0 on padding. */
    static double[] covariance(float[] logp, float[] adv, float[] mask) {
        double sa = 0, sl = 0, cnt = 0;
        for (int t = 0; t < logp.length; t++) {
            if (mask[t] == 0f) continue;
            if (!Float.isFinite(logp[t]) || !Float.isFinite(adv[t]))
                throw new IllegalArgumentException("logProbs and advantages must be finite on response tokens");
            sa += adv[t];
            sl += logp[t];
            cnt++;
        }
        double ma = cnt == 0 ? 0 : sa / cnt, ml = cnt == 0 ? 0 : sl / cnt;
        double[] cov = new double[logp.length];
        for (int t = 0; t < logp.length; t++)
            if (mask[t] != 0f) cov[t] = ((double) adv[t] - ma) * ((double) logp[t] - ml);
        return cov;
    }

    private static int requireSameLength(float[]... arrays) {
        String[] names = arrays.length == 4 ? new String[] {"logp", "old", "adv", "mask"}
                : new String[] {"logp", "adv", "mask"};
        for (int i = 0; i < arrays.length; i++)
            if (arrays[i] == null) throw new IllegalArgumentException(names[i] + " must not be null");
        for (int i = 1; i < arrays.length; i++)
            if (arrays[i].length != arrays[0].length)
                throw new IllegalArgumentException(names[i] + " has " + arrays[i].length + " values, logp has "
                        + arrays[0].length);
        return arrays[0].length;
    }
}
