package org.eapo4j.kernels;

/**
 * Hyper-parameters of the policy loss (SPEC.md "Policy loss"). Build with {@link #builder()}; every value is
 * checked in {@link Builder#build()} so a bad config never reaches native code.
 *
 * @param temperature tau &gt; 0; the logits are divided by it
 * @param clipLow     eps_low in [0, 1): ratios below 1 - eps_low are clipped
 * @param clipHigh    eps_high &gt;= 0: ratios above 1 + eps_high are clipped
 * @param dualClip    c_dual &gt; 1 caps the loss of negative-advantage tokens at -A * c_dual; 0 turns it off
 * @param klBeta      beta &gt;= 0 of the k3 KL to the reference policy (needs reference log-probs when &gt; 0)
 * @param entropyCoef eta, the entropy bonus (l gets -eta * H)
 * @param gradInPlace write dL/dlogits over the logits buffer instead of a new tensor (saves one [N, V] buffer)
 */
public record PolicyLossConfig(double temperature, double clipLow, double clipHigh, double dualClip, double klBeta,
                               double entropyCoef, boolean gradInPlace) {

    public static final PolicyLossConfig DEFAULT = builder().build();

    public PolicyLossConfig {
        requireFinite("temperature", temperature);
        requireFinite("clipLow", clipLow);
        requireFinite("clipHigh", clipHigh);
        requireFinite("dualClip", dualClip);
        requireFinite("klBeta", klBeta);
        requireFinite("entropyCoef", entropyCoef);
        if (temperature <= 0) throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        if (clipLow < 0 || clipLow >= 1) throw new IllegalArgumentException("clipLow must be in [0, 1), got " + clipLow);
        if (clipHigh < 0) throw new IllegalArgumentException("clipHigh must be >= 0, got " + clipHigh);
        if (dualClip != 0 && dualClip <= 1)
            throw new IllegalArgumentException("dualClip must be 0 (off) or > 1, got " + dualClip);
        if (klBeta < 0) throw new IllegalArgumentException("klBeta must be >= 0, got " + klBeta);
    }

    private static void requireFinite(String name, double v) {
        if (!Double.isFinite(v)) throw new IllegalArgumentException(name + " must be finite, got " + v);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().temperature(temperature).clipLow(clipLow).clipHigh(clipHigh).dualClip(dualClip)
                .klBeta(klBeta).entropyCoef(entropyCoef).gradInPlace(gradInPlace);
    }

    /** Defaults: temperature 1, clip 0.2 / 0.2, no dual clip, no KL, no entropy bonus, gradient not in place. */
    public static final class Builder {
        private double temperature = 1.0, clipLow = 0.2, clipHigh = 0.2, dualClip = 0, klBeta = 0, entropyCoef = 0;
        private boolean gradInPlace;

        public Builder temperature(double v) { temperature = v; return this; }
        public Builder clipLow(double v) { clipLow = v; return this; }
        public Builder clipHigh(double v) { clipHigh = v; return this; }
        public Builder dualClip(double v) { dualClip = v; return this; }
        public Builder klBeta(double v) { klBeta = v; return this; }
        public Builder entropyCoef(double v) { entropyCoef = v; return this; }
        public Builder gradInPlace(boolean v) { gradInPlace = v; return this; }

        public PolicyLossConfig build() {
            return new PolicyLossConfig(temperature, clipLow, clipHigh, dualClip, klBeta, entropyCoef, gradInPlace);
        }
    }
}
