package org.eapo4j.rl;

/** Constant weights: GRPO (1, 1), W-REINFORCE (0.1, 1), PSR-only (1, 0), NSR-only (0, 1), or any pair. */
public record FixedWeighting(String name, double lambdaPos, double lambdaNeg) implements WeightingSchedule {
    public FixedWeighting {
        if (!(lambdaPos >= 0) || !(lambdaNeg >= 0) || Double.isInfinite(lambdaPos) || Double.isInfinite(lambdaNeg))
            throw new IllegalArgumentException("weights must be finite and >= 0, got " + lambdaPos + ", " + lambdaNeg);
    }

    public static FixedWeighting grpo() {
        return new FixedWeighting("grpo", 1, 1);
    }

    public static FixedWeighting wReinforce() {
        return new FixedWeighting("w-reinforce", 0.1, 1);
    }

    public static FixedWeighting psrOnly() {
        return new FixedWeighting("psr", 1, 0);
    }

    public static FixedWeighting nsrOnly() {
        return new FixedWeighting("nsr", 0, 1);
    }

    @Override
    public Weights next(double entropy) {
        return new Weights(lambdaPos, lambdaNeg);
    }
}
