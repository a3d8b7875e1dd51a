package org.eapo4j.kernels;

/**
 * Hyper-parameters of the policy loss (SPEC.md "Policy loss"). Build with {@link #builder()}; every value is
 * checked in {@link Builder#build()} so a bad config never reaches native code. The kernels compute in float, so each
 * value is checked as the float it becomes: finite, and 0 or a normal float (no denormals); see {@link KernelScalars}.
 * A plain value; it owns no native memory.
 *
 * @param temperature tau, a normal float in [2^-126, 2^126] ({@link KernelScalars#temperature}); logits are divided
 *                    by it
 * @param clipLow     eps_low in [0, 1): ratios below 1 - eps_low are clipped
 * @param clipHigh    eps_high &gt;= 0: ratios above 1 + eps_high are clipped
 * @param dualClip    c_dual &gt; 1 caps the loss of negative-advantage tokens at -A * c_dual; 0 turns it off
 * @param klBeta      beta &gt;= 0 of the k3 KL to the reference policy (needs reference log-probs when &gt; 0)
 * @param entropyCoef eta, the entropy bonus (l gets -eta * H), any sign
 * @param gradInPlace write dL/dlogits over the logits buffer instead of a new tensor (saves one [N, V] buffer)
 * @param surrogate   the policy-gradient term: {@link Surrogate#CLIPPED} (default), CISPO or UNCLIPPED
 *                    (docs/LOSS_VARIANTS.md); CISPO takes no dual clip
 * @param importanceSamplingLevel {@link ImportanceSamplingLevel#TOKEN} (default) or SEQUENCE (GSPO, which needs
 *                    {@link PolicyLossInputs#seqLogRatio()})
 * @param entropyThreshold top-entropy tokens: a token with entropy H &lt; this gets no policy gradient and no entropy
 *                    bonus (the k3 KL stays); 0 = off (the default, every H &gt;= 0). Finite, &gt;= 0; see
 *                    {@link EntropyControls#topEntropyThreshold}
 */
public record PolicyLossConfig(double temperature, double clipLow, double clipHigh, double dualClip, double klBeta,
                               double entropyCoef, boolean gradInPlace, Surrogate surrogate,
                               ImportanceSamplingLevel importanceSamplingLevel, double entropyThreshold) {

    public static final PolicyLossConfig DEFAULT = builder().build();

    /** The clipped surrogate of SPEC.md at the token level, no entropy threshold (as before the loss variants). */
    public PolicyLossConfig(double temperature, double clipLow, double clipHigh, double dualClip, double klBeta,
                            double entropyCoef, boolean gradInPlace) {
        this(temperature, clipLow, clipHigh, dualClip, klBeta, entropyCoef, gradInPlace, Surrogate.CLIPPED,
                ImportanceSamplingLevel.TOKEN, 0);
    }

    public PolicyLossConfig {
        if (surrogate == null) throw new IllegalArgumentException("surrogate must not be null");
        if (importanceSamplingLevel == null)
            throw new IllegalArgumentException("importanceSamplingLevel must not be null");
        KernelScalars.entropyThreshold(entropyThreshold);
        if (surrogate == Surrogate.CISPO && dualClip != 0)
            throw new IllegalArgumentException("dualClip must be 0 with surrogate CISPO (its weight is already capped), got "
                    + dualClip);
        // Checked on the float values the kernels receive (see KernelScalars for the accepted ranges).
        KernelScalars.temperature(temperature);
        KernelScalars.clipLow(clipLow);
        KernelScalars.clipHigh(clipHigh);
        KernelScalars.dualClip(dualClip, false);
        KernelScalars.klBeta(klBeta);
        KernelScalars.entropyCoef(entropyCoef);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().temperature(temperature).clipLow(clipLow).clipHigh(clipHigh).dualClip(dualClip)
                .klBeta(klBeta).entropyCoef(entropyCoef).gradInPlace(gradInPlace).surrogate(surrogate)
                .importanceSamplingLevel(importanceSamplingLevel).entropyThreshold(entropyThreshold);
    }

    /**
     * Defaults: temperature 1, clip 0.2 / 0.2, no dual clip, no KL, no entropy bonus, gradient not in place, the
     * clipped surrogate at the token level, no entropy threshold.
     */
    public static final class Builder {
        private double temperature = 1.0, clipLow = 0.2, clipHigh = 0.2, dualClip = 0, klBeta = 0, entropyCoef = 0;
        private double entropyThreshold = 0;
        private boolean gradInPlace;
        private Surrogate surrogate = Surrogate.CLIPPED;
        private ImportanceSamplingLevel level = ImportanceSamplingLevel.TOKEN;

        public Builder temperature(double v) { temperature = v; return this; }
        public Builder clipLow(double v) { clipLow = v; return this; }
        public Builder clipHigh(double v) { clipHigh = v; return this; }
        public Builder dualClip(double v) { dualClip = v; return this; }
        public Builder klBeta(double v) { klBeta = v; return this; }
        public Builder entropyCoef(double v) { entropyCoef = v; return this; }
        public Builder gradInPlace(boolean v) { gradInPlace = v; return this; }
        public Builder surrogate(Surrogate v) { surrogate = v; return this; }
        public Builder importanceSamplingLevel(ImportanceSamplingLevel v) { level = v; return this; }
        public Builder entropyThreshold(double v) { entropyThreshold = v; return this; }

        public PolicyLossConfig build() {
            return new PolicyLossConfig(temperature, clipLow, clipHigh, dualClip, klBeta, entropyCoef, gradInPlace,
                    surrogate, level, entropyThreshold);
        }
    }
}
