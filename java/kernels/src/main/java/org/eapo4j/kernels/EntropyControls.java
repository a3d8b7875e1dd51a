package org.eapo4j.kernels;

import java.util.Arrays;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.tensors.HostTensors;

/**
 * The batch-wide threshold of TRL's {@code top_entropy_quantile} ("Beyond the 80/20 rule"): only tokens whose entropy
 * is at or above the (1 - q) quantile of the batch's response-token entropies get the policy gradient. The fused
 * kernel takes the threshold as {@link PolicyLossConfig#entropyThreshold()} and compares it with the entropy it
 * computes in the same pass (a token with H &lt; threshold is masked).
 *
 * <p>What differs from TRL: TRL takes the quantile of the current forward pass's entropies; a one-pass kernel needs
 * the threshold before it sees them, so the threshold comes from entropies the caller already has: the old-policy
 * pass of this rollout batch (free, identical to TRL at the first optimizer step of the batch) or a token-statistics
 * pass of the current policy (exact, one extra read of the logits). The comparison itself uses the current entropy,
 * as TRL. With data parallelism, pass every rank's masked entropies (gathered) to {@link #topEntropyThreshold(float[],
 * double)}: the quantile is global, as TRL's. Stateless.
 */
public final class EntropyControls {
    private EntropyControls() {}

    /**
     * The threshold for [B, T] entropies and mask (0 = padding), or 0 (off) when {@code topQuantile} is 1.
     *
     * @param topQuantile q in (0, 1]: the share of tokens (the highest-entropy ones) that keep the policy gradient
     */
    public static double topEntropyThreshold(Tensor entropy, Tensor mask, double topQuantile) {
        int[] bt = SequenceRows.shape("entropy", entropy);
        SequenceRows.requireSameShape("mask", mask, bt);
        float[] h = HostTensors.toFloats(entropy), m = HostTensors.toFloats(mask);
        int n = 0;
        for (float v : m) if (v != 0f) n++;
        float[] live = new float[n];
        for (int i = 0, k = 0; i < h.length; i++) if (m[i] != 0f) live[k++] = h[i];
        return topEntropyThreshold(live, topQuantile);
    }

    /**
     * The threshold of the response tokens' entropies (padding already left out; all ranks' tokens for a global
     * quantile): torch.quantile(entropies, 1 - q) with linear interpolation, as TRL. 0 (off) when q is 1 or there is
     * no token.
     */
    public static double topEntropyThreshold(float[] entropies, double topQuantile) {
        if (entropies == null) throw new IllegalArgumentException("entropies must not be null");
        if (!(topQuantile > 0 && topQuantile <= 1))
            throw new IllegalArgumentException("topEntropyQuantile must be in (0, 1], got " + topQuantile);
        if (topQuantile == 1 || entropies.length == 0) return 0;
        double[] sorted = new double[entropies.length];
        for (int i = 0; i < sorted.length; i++) {
            if (!Float.isFinite(entropies[i]) || entropies[i] < 0)
                throw new IllegalArgumentException("entropies must be finite and >= 0, got " + entropies[i]);
            sorted[i] = entropies[i];
        }
        Arrays.sort(sorted);
        return ceilToFloat(quantile(sorted, 1 - topQuantile));
    }

    /**
     * The smallest float &gt;= v: the kernel compares float entropies with a float threshold, and H &lt; (float) v
     * must mean H &lt; v (a plain cast could round v down onto a token's entropy and keep a token TRL masks).
     */
    static double ceilToFloat(double v) {
        float f = (float) v;
        return f < v ? Math.nextUp(f) : f;
    }

    /** torch.quantile's default ("linear"): position q (n - 1) between the two nearest order statistics. */
    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos), hi = Math.min(lo + 1, sorted.length - 1);
        double frac = pos - lo;
        return frac == 0 ? sorted[lo] : sorted[lo] + frac * (sorted[hi] - sorted[lo]);
    }
}
