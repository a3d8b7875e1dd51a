package org.eapo4j.rl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.eapo4j.kernels.LossAggregation;
import org.junit.jupiter.api.Test;

/** The aggregation coefficients the trainer feeds the loss, on a ragged 2 x 4 response mask. */
class AggregationTest {
    static final float[] MASK = {1, 1, 1, 0, /* */ 1, 0, 0, 0};

    static void check(LossAggregation a, long lMax, float... expected) {
        assertArrayEquals(expected, a.coefficients(MASK, 2, 4, lMax), 1e-7f);
    }

    @Test
    void allModes() {
        check(LossAggregation.TOKEN_MEAN, 4, 0.25f, 0.25f, 0.25f, 0, 0.25f, 0, 0, 0);
        check(LossAggregation.SEQ_MEAN_TOKEN_MEAN, 4, 1f / 6, 1f / 6, 1f / 6, 0, 0.5f, 0, 0, 0);
        check(LossAggregation.SEQ_MEAN_TOKEN_SUM, 4, 0.5f, 0.5f, 0.5f, 0, 0.5f, 0, 0, 0);
        check(LossAggregation.SEQ_MEAN_TOKEN_SUM_NORM, 8, 1f / 16, 1f / 16, 1f / 16, 0, 1f / 16, 0, 0, 0);
    }
}
