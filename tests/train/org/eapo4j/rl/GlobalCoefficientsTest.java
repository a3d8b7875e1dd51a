package org.eapo4j.rl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.eapo4j.kernels.LossAggregation;
import org.junit.jupiter.api.Test;

/**
 * A minibatch split over ranks: each rank's coefficients over the global counts, put side by side, are exactly
 * (bit for bit) LossAggregation's coefficients of the whole minibatch, for every aggregation mode.
 */
class GlobalCoefficientsTest {
    @Test
    void ranksPartsOfAMinibatchGiveTheWholeMinibatchsCoefficients() {
        SplittableRandom rng = new SplittableRandom(5);
        int b = 7, t = 9;
        long lMax = 12;
        float[] mask = new float[b * t];
        for (int i = 0; i < b; i++) {
            int len = i == 3 ? 0 : 1 + rng.nextInt(t);   // one fully masked row
            for (int j = 0; j < len; j++) mask[i * t + j] = 1f;
        }
        double tokens = 0;
        for (float m : mask) tokens += m;
        for (LossAggregation agg : LossAggregation.values()) {
            float[] whole = agg.coefficients(mask, b, t, lMax);
            for (int split : new int[] {0, 2, 5, 7}) {   // rank 0 owns rows [0, split), rank 1 the rest
                float[] r0 = GlobalCoefficients.of(agg, Arrays.copyOfRange(mask, 0, split * t), split, t, lMax, b, tokens);
                float[] r1 = GlobalCoefficients.of(agg, Arrays.copyOfRange(mask, split * t, b * t), b - split, t, lMax,
                        b, tokens);
                float[] joined = new float[b * t];
                System.arraycopy(r0, 0, joined, 0, r0.length);
                System.arraycopy(r1, 0, joined, r0.length, r1.length);
                assertArrayEquals(whole, joined, agg + ", split at row " + split);
            }
        }
    }
}
