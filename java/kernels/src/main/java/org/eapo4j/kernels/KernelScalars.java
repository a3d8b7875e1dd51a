package org.eapo4j.kernels;

/**
 * The accepted ranges of the kernels' scalar arguments (SPEC.md), checked on the float value the kernels receive.
 * A double that is fine as a double can still be wrong as a float: 1e300 becomes +inf, 0.99999999 becomes 1, 1e-40
 * becomes a denormal (and 1 / 1e-40 overflows to +inf, which made every output NaN). Every method throws
 * {@link IllegalArgumentException} naming the argument and the accepted range, and returns the float to pass on.
 * Stateless; it owns nothing.
 */
public final class KernelScalars {
    /** Smallest accepted temperature: the smallest normal float (1 / it is 2^126, still finite and normal). */
    public static final float MIN_TEMPERATURE = Float.MIN_NORMAL;
    /** Largest accepted temperature, 2^126: its reciprocal is the smallest normal float. */
    public static final float MAX_TEMPERATURE = 1f / Float.MIN_NORMAL;

    private static final String NORMAL = "0 or a normal, finite float (|v| in [" + Float.MIN_NORMAL + ", "
            + Float.MAX_VALUE + "])";

    private KernelScalars() {}

    /** tau: a normal float in [{@link #MIN_TEMPERATURE}, {@link #MAX_TEMPERATURE}], so 1 / tau is a normal float. */
    public static float temperature(double tau) {
        float f = (float) tau;
        if (!(f >= MIN_TEMPERATURE && f <= MAX_TEMPERATURE))
            throw new IllegalArgumentException("temperature must be a normal float in [" + MIN_TEMPERATURE + ", "
                    + MAX_TEMPERATURE + "] (so that 1 / temperature is a finite, normal float), got " + tau);
        return f;
    }

    /** eps_low in [0, 1) as a float (1 - eps_low must stay > 0), and 0 or normal. */
    public static float clipLow(double v) {
        float f = normalOrZero("clipLow", v);
        if (!(f >= 0f && f < 1f))
            throw new IllegalArgumentException("clipLow must be in [0, 1) as a float, got " + v);
        return f;
    }

    /** eps_high &gt;= 0, 0 or normal. */
    public static float clipHigh(double v) {
        return nonNegative("clipHigh", v);
    }

    /**
     * c_dual: 0 (off) or &gt; 1 as a float. With {@code offBelowOne} (the raw CUDA API's convention) any value
     * &lt;= 1 means off and is accepted when finite.
     */
    public static float dualClip(double v, boolean offBelowOne) {
        float f = normalOrZero("dualClip", v);
        if (!offBelowOne && f != 0f && !(f > 1f))
            throw new IllegalArgumentException("dualClip must be 0 (off) or > 1 as a float, got " + v);
        return f;
    }

    /** beta &gt;= 0, 0 or normal. */
    public static float klBeta(double v) {
        return nonNegative("klBeta", v);
    }

    /** eta, any sign (a negative eta is an entropy penalty), 0 or normal. */
    public static float entropyCoef(double v) {
        return normalOrZero("entropyCoef", v);
    }

    /** The top-entropy threshold: &gt;= 0 (0 = off), 0 or normal. */
    public static float entropyThreshold(double v) {
        return nonNegative("entropyThreshold", v);
    }

    private static float nonNegative(String name, double v) {
        float f = normalOrZero(name, v);
        if (f < 0f) throw new IllegalArgumentException(name + " must be >= 0, got " + v);
        return f;
    }

    /** Finite as a float, and either exactly 0 or normal (denormals are flushed to 0 on some devices, not others). */
    static float normalOrZero(String name, double v) {
        float f = (float) v;
        if (v == 0) return 0f;
        if (!Float.isFinite(f) || Math.abs(f) < Float.MIN_NORMAL)
            throw new IllegalArgumentException(name + " must be " + NORMAL + ", got " + v);
        return f;
    }
}
