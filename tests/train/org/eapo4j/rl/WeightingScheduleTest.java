package org.eapo4j.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WeightingScheduleTest {
    static void weights(WeightingSchedule s, double pos, double neg) {
        WeightingSchedule.Weights w = s.next(1.234);
        assertEquals(pos, w.lambdaPos(), 1e-12);
        assertEquals(neg, w.lambdaNeg(), 1e-12);
    }

    @Test
    void fixedSchedulesByName() {
        weights(Weightings.parse("grpo"), 1, 1);
        weights(Weightings.parse("w-reinforce"), 0.1, 1);
        weights(Weightings.parse("psr"), 1, 0);
        weights(Weightings.parse("nsr"), 0, 1);
        weights(Weightings.parse("fixed:0.25,0.75"), 0.25, 0.75);
        assertTrue(Weightings.parse("eapo") instanceof EapoWeighting);
        assertThrows(IllegalArgumentException.class, () -> Weightings.parse("fixed:1"));
        assertThrows(IllegalArgumentException.class, () -> Weightings.parse("ppo"));
        assertThrows(IllegalArgumentException.class, () -> Weightings.parse("fixed:-1,1"));
    }

    @Test
    void eapoFollowsEntropyRatio() {
        EapoWeighting s = new EapoWeighting();
        assertEquals(1.0, s.next(2.0).lambdaPos(), 1e-12);    // H_0 = 2
        assertEquals(2.0, s.h0(), 0);
        assertEquals(0.5, s.next(1.0).lambdaPos(), 1e-12);    // entropy fell: explore
        assertEquals(1.5, s.next(3.0).lambdaPos(), 1e-12);    // entropy rose: stabilise
        assertEquals(1.0, s.next(2.0).lambdaNeg(), 0);
    }

    @Test
    void eapoClampsAndUsesAlpha() {
        EapoWeighting s = new EapoWeighting(new EapoWeighting.Config(2.0, 0.05, 4.0, 0.0, 1));
        s.next(1.0);
        assertEquals(0.25, s.next(0.5).lambdaPos(), 1e-12);   // (0.5)^2
        assertEquals(0.05, s.next(0.01).lambdaPos(), 1e-12);  // below lambda_min
        assertEquals(4.0, s.next(10.0).lambdaPos(), 1e-12);   // above lambda_max
    }

    @Test
    void eapoLinearFormByHand() {
        EapoWeighting.Config cfg = new EapoWeighting.Config(2.0, 0.05, 4.0, 0.0, 1, EapoWeighting.Form.LINEAR);
        EapoWeighting s = new EapoWeighting(cfg);
        assertEquals(1.0, s.next(2.0).lambdaPos(), 0);          // H_0 = 2: r = 1, 1 + 2 * 0 = 1
        assertEquals(0.5, s.next(1.5).lambdaPos(), 1e-12);      // r = 0.75: 1 + 2 * (-0.25) = 0.5 (power: 0.5625)
        assertEquals(1.6, s.next(2.6).lambdaPos(), 1e-12);      // r = 1.3: 1 + 2 * 0.3 = 1.6 (power: 1.69)
        assertEquals(0.05, s.next(0.8).lambdaPos(), 1e-12);     // r = 0.4: 1 + 2 * (-0.6) = -0.2, clamped to 0.05
        assertEquals(4.0, s.next(6.0).lambdaPos(), 1e-12);      // r = 3: 1 + 2 * 2 = 5, clamped to 4
        assertEquals(1.0, s.next(1.0).lambdaNeg(), 0);
        // alpha 1: the linear form is r itself, the power form too
        EapoWeighting lin = new EapoWeighting(new EapoWeighting.Config(1.0, 0.05, 4.0, 0.0, 1,
                EapoWeighting.Form.LINEAR)), pow = new EapoWeighting();
        for (double h : new double[] {2.0, 1.3, 0.7, 2.9}) assertEquals(pow.next(h).lambdaPos(), lin.next(h).lambdaPos(),
                1e-15);
        assertEquals(EapoWeighting.Form.LINEAR, EapoWeighting.Form.parse("linear"));
        assertEquals(EapoWeighting.Form.POWER, EapoWeighting.Config.DEFAULT.form());
        assertEquals(EapoWeighting.Config.DEFAULT, new EapoWeighting.Config(1.0, 0.05, 4.0, 0.0, 1));
        assertThrows(IllegalArgumentException.class, () -> EapoWeighting.Form.parse("exp"));
    }

    @Test
    void eapoLinearFormKeepsH0AndEma() {
        // H_0 = mean of the first 2 smoothed values; EMA 0.5: smoothed 2, 3 -> H_0 = 2.5, r = 3 / 2.5 = 1.2, alpha 0.5:
        // 1 + 0.5 * 0.2 = 1.1; next 1 -> smoothed 2, r = 0.8: 1 + 0.5 * (-0.2) = 0.9
        EapoWeighting s = new EapoWeighting(new EapoWeighting.Config(0.5, 0.0, 10.0, 0.5, 2, EapoWeighting.Form.LINEAR));
        assertEquals(1.0, s.next(2.0).lambdaPos(), 0);          // H_0 not known yet
        assertEquals(1.1, s.next(4.0).lambdaPos(), 1e-12);
        assertEquals(2.5, s.h0(), 1e-12);
        assertEquals(0.9, s.next(1.0).lambdaPos(), 1e-12);
    }

    @Test
    void eapoH0FromMeanOfFirstSteps() {
        EapoWeighting s = new EapoWeighting(new EapoWeighting.Config(1.0, 0.05, 4.0, 0.0, 3));
        assertEquals(1.0, s.next(1.0).lambdaPos(), 0);
        assertEquals(1.0, s.next(2.0).lambdaPos(), 0);
        assertEquals(Double.NaN, s.h0());
        assertEquals(3.0 / 2.0, s.next(3.0).lambdaPos(), 1e-12);   // H_0 = 2, H_3 = 3
        assertEquals(0.5, s.next(1.0).lambdaPos(), 1e-12);
    }

    @Test
    void eapoEmaSmoothing() {
        EapoWeighting s = new EapoWeighting(new EapoWeighting.Config(1.0, 0.0, 10.0, 0.5, 1));
        s.next(2.0);                                         // smoothed 2, H_0 = 2
        assertEquals((0.5 * 2 + 0.5 * 1) / 2, s.next(1.0).lambdaPos(), 1e-12);   // smoothed 1.5
        assertEquals((0.5 * 1.5 + 0.5 * 3.5) / 2, s.next(3.5).lambdaPos(), 1e-12);
    }

    @Test
    void eapoStateRoundTrip() {
        EapoWeighting a = new EapoWeighting(new EapoWeighting.Config(1.0, 0.05, 4.0, 0.3, 2));
        for (double h : new double[] {2.0, 1.8, 1.5}) a.next(h);
        EapoWeighting b = new EapoWeighting(a.config());
        b.restore(a.state());
        assertEquals(a.next(1.2).lambdaPos(), b.next(1.2).lambdaPos(), 0);
        assertEquals(a.h0(), b.h0(), 0);
    }
}
