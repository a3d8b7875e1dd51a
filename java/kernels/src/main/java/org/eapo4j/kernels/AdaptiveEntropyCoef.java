package org.eapo4j.kernels;

/**
 * The adaptive entropy coefficient of Skywork-OR1 as TRL runs it ({@code use_adaptive_entropy}, {@code entropy_target},
 * {@code entropy_coef_min / max / delta}): after each optimizer step, with H the step's mean response-token entropy
 * (global over ranks), the coefficient goes up by delta (at most max) when H &lt;= target, down by delta (at least
 * min) otherwise; the bonus is applied only while the last measured H is &lt;= target (0 before the first
 * measurement). The kernel takes the value of {@link #coefInForce()} as {@link PolicyLossConfig#entropyCoef()}: a
 * new config per step, nothing else. Mutable, not thread-safe; {@link #state()} / {@link #restore} for resume.
 */
public final class AdaptiveEntropyCoef {
    private final double target, min, max, delta;
    private double coef;
    private double lastEntropy = Double.POSITIVE_INFINITY;

    /** What a checkpoint keeps (TRL saves the same two numbers). */
    public record State(double coef, double lastEntropy) {}

    public AdaptiveEntropyCoef(double initialCoef, double target, double min, double max, double delta) {
        if (!Double.isFinite(target) || target < 0)
            throw new IllegalArgumentException("entropyTarget must be finite and >= 0, got " + target);
        if (!Double.isFinite(min) || !Double.isFinite(max) || min > max)
            throw new IllegalArgumentException("entropyCoefMin must be <= entropyCoefMax, both finite, got " + min
                    + " and " + max);
        if (!Double.isFinite(delta) || delta < 0)
            throw new IllegalArgumentException("entropyCoefDelta must be finite and >= 0, got " + delta);
        if (!Double.isFinite(initialCoef))
            throw new IllegalArgumentException("entropyCoef must be finite, got " + initialCoef);
        this.target = target;
        this.min = min;
        this.max = max;
        this.delta = delta;
        this.coef = initialCoef;
    }

    /** The coefficient to pass to the kernel for the next step: coef while the last entropy is &lt;= target, else 0. */
    public double coefInForce() {
        return lastEntropy <= target ? coef : 0.0;
    }

    /** After an optimizer step: H, the step's mean response-token entropy (all ranks, all micro-batches). */
    public void update(double meanEntropy) {
        if (!Double.isFinite(meanEntropy))
            throw new IllegalArgumentException("meanEntropy must be finite, got " + meanEntropy);
        coef = meanEntropy <= target ? Math.min(coef + delta, max) : Math.max(coef - delta, min);
        lastEntropy = meanEntropy;
    }

    public double coef() {
        return coef;
    }

    public double lastEntropy() {
        return lastEntropy;
    }

    public State state() {
        return new State(coef, lastEntropy);
    }

    public void restore(State s) {
        if (s == null) throw new IllegalArgumentException("state must not be null");
        coef = s.coef();
        lastEntropy = s.lastEntropy();
    }
}
