package org.eapo4j.kernels;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.nativelib.EapoNative;
import org.eapo4j.tensors.HostTensors;

/**
 * Shares of the live tokens (c_t != 0) that each loss variant touched, read from the kernel's per-token flags
 * ({@link PolicyLossResult#clippedFlags()}): one O(N) host read. For a data-parallel global share, sum
 * {@code share * liveTokens} over ranks.
 *
 * @param liveTokens    tokens with c_t != 0
 * @param clipped       surrogate clipped (CLIPPED) or IS weight capped (CISPO), or dual clip active
 * @param entropyMasked below the top-entropy threshold: no policy gradient, no entropy bonus
 * @param pgDropped     removed by Clip-Cov
 * @param klCov         with the KL-Cov |log-ratio| penalty
 */
public record LossVariantMetrics(long liveTokens, double clipped, double entropyMasked, double pgDropped,
                                 double klCov) {

    public static LossVariantMetrics of(Tensor flags, Tensor coefficients) {
        byte[] f = HostTensors.toBytes(flags);
        float[] c = HostTensors.toFloats(coefficients);
        if (f.length != c.length)
            throw new IllegalArgumentException("flags and coefficients must have as many tokens, got " + f.length
                    + " and " + c.length);
        long live = 0, clipped = 0, masked = 0, dropped = 0, klCov = 0;
        for (int i = 0; i < f.length; i++) {
            if (c[i] == 0f) continue;
            live++;
            int b = f[i];
            if ((b & (EapoNative.EAPO_FLAG_CLIPPED | EapoNative.EAPO_FLAG_DUAL_CLIPPED)) != 0) clipped++;
            if ((b & EapoNative.EAPO_FLAG_ENTROPY_MASKED) != 0) masked++;
            if ((b & EapoNative.EAPO_FLAG_PG_DROPPED) != 0) dropped++;
            if ((b & EapoNative.EAPO_FLAG_KL_COV) != 0) klCov++;
        }
        double d = Math.max(live, 1);
        return new LossVariantMetrics(live, clipped / d, masked / d, dropped / d, klCov / d);
    }
}
