package org.eapo4j.rl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.eapo4j.rl.Advantages.Sign;
import org.junit.jupiter.api.Test;

class AdvantagesTest {
    @Test
    void stdScaledGroupAdvantages() {
        double[] r = {1, 0, 0, 1, /* second group */ 0.2, 0.4, 0.6, 0.8};
        double[] a = Advantages.compute(r, 4, true);
        // group 1: mean 0.5, population std 0.5
        assertEquals(0.5 / (0.5 + 1e-6), a[0], 1e-12);
        assertEquals(-0.5 / (0.5 + 1e-6), a[1], 1e-12);
        double sd = Math.sqrt((0.09 + 0.01 + 0.01 + 0.09) / 4);
        assertEquals((0.2 - 0.5) / (sd + 1e-6), a[4], 1e-12);
        assertEquals((0.8 - 0.5) / (sd + 1e-6), a[7], 1e-12);
    }

    @Test
    void unscaledAdvantagesAreCentredRewards() {
        double[] a = Advantages.compute(new double[] {0.1, 0.3, 0.5, 0.9}, 2, false);
        assertArrayEquals(new double[] {-0.1, 0.1, -0.2, 0.2}, a, 1e-12);
    }

    @Test
    void batchScalingDividesGroupCentredRewardsByTheBatchStd() {
        double[] r = {1, 0, 0, 1, /* second group */ 0.2, 0.4, 0.6, 0.8};
        // batch mean 0.5; squared deviations 0.25 x 4 + 0.09 + 0.01 + 0.01 + 0.09, population std over 8
        double sd = Math.sqrt((4 * 0.25 + 0.2) / 8);
        double[] a = Advantages.compute(r, 4, RewardScaling.BATCH);
        assertEquals(0.5 / (sd + 1e-6), a[0], 1e-12);
        assertEquals(-0.5 / (sd + 1e-6), a[2], 1e-12);
        assertEquals(-0.3 / (sd + 1e-6), a[4], 1e-12);
        assertEquals(0.1 / (sd + 1e-6), a[6], 1e-12);
        assertArrayEquals(Advantages.compute(r, 4, true), Advantages.compute(r, 4, RewardScaling.GROUP), 0);
        assertArrayEquals(Advantages.compute(r, 4, false), Advantages.compute(r, 4, RewardScaling.NONE), 0);
        assertEquals(RewardScaling.BATCH, RewardScaling.fromName("Batch"));
        assertThrows(IllegalArgumentException.class, () -> RewardScaling.fromName("std"));
    }

    @Test
    void equalRewardsGiveZeroAdvantageAndNeutralSamples() {
        double[] r = {0.3, 0.3, 0.3};
        assertArrayEquals(new double[] {0, 0, 0}, Advantages.compute(r, 3, true), 1e-12);
        assertArrayEquals(new Sign[] {Sign.NEUTRAL, Sign.NEUTRAL, Sign.NEUTRAL}, Advantages.split(r, 3));
    }

    @Test
    void splitByGroupMean() {
        double[] r = {1, 0, 0.5, /* */ 0.2, 0.2, 0.8};
        Sign[] s = Advantages.split(r, 3);
        assertArrayEquals(new Sign[] {Sign.POSITIVE, Sign.NEGATIVE, Sign.NEUTRAL, Sign.NEGATIVE, Sign.NEGATIVE,
                Sign.POSITIVE}, s);
        assertArrayEquals(new double[] {0.3, 1.0, 0.0, 1.0, 1.0, 0.3}, Advantages.weights(s, 0.3, 1.0), 1e-12);
    }

    @Test
    void rejectsRaggedGroups() {
        assertThrows(IllegalArgumentException.class, () -> Advantages.compute(new double[5], 2, true));
    }
}
