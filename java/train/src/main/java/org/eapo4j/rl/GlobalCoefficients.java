package org.eapo4j.rl;

import org.eapo4j.kernels.LossAggregation;

/**
 * Aggregation coefficients c_t of one rank's rows of a minibatch that spans several ranks: the formula of
 * {@link LossAggregation#coefficients(float[], int, int, long)} with the minibatch's GLOBAL row count B and token
 * count in the denominators (token-mean divides by every rank's tokens), so that the ranks' losses add up to the
 * loss one process computes over the whole minibatch. With the local counts it gives exactly LossAggregation's
 * values (same arithmetic, bit for bit).
 */
final class GlobalCoefficients {
    private GlobalCoefficients() {}

    /**
     * @param mask         [b * t] this rank's response mask (0 / 1)
     * @param globalRows   B: rows of the minibatch over all ranks
     * @param globalTokens sum of the mask over all ranks' rows of the minibatch
     * @param lMax         L_max of seq-mean-token-sum-norm
     */
    static float[] of(LossAggregation agg, float[] mask, int b, int t, long lMax, int globalRows, double globalTokens) {
        return agg.coefficients(mask, b, t, lMax, globalRows, globalTokens);
    }
}
