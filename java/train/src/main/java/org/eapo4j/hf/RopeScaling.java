package org.eapo4j.hf;

/**
 * The {@code llama3} frequency scaling of rotary embeddings (Llama 3.1+): wavelengths longer than
 * {@code originalMaxPositions / lowFreqFactor} are stretched by {@code factor}, shorter than
 * {@code originalMaxPositions / highFreqFactor} kept, and the band between interpolated smoothly.
 */
public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, double originalMaxPositions) {
    public RopeScaling {
        if (!(factor > 0) || !(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor) || !(originalMaxPositions > 0))
            throw new IllegalArgumentException("llama3 rope_scaling needs factor > 0, 0 < low_freq_factor < "
                    + "high_freq_factor and original_max_position_embeddings > 0");
    }

    /** The inverse frequencies {@code 1 / theta^(2i / dim)}, i < dim/2, with this scaling applied when non-null. */
    public static double[] inverseFrequencies(int dim, double theta, RopeScaling scaling) {
        double[] inv = new double[dim / 2];
        for (int i = 0; i < inv.length; i++) inv[i] = 1.0 / Math.pow(theta, (2.0 * i) / dim);
        if (scaling == null) return inv;
        double lowWavelen = scaling.originalMaxPositions / scaling.lowFreqFactor;
        double highWavelen = scaling.originalMaxPositions / scaling.highFreqFactor;
        for (int i = 0; i < inv.length; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            if (wavelen > lowWavelen) {
                inv[i] = inv[i] / scaling.factor;
            } else if (wavelen >= highWavelen) {   // the medium band: interpolate between scaled and unscaled
                double smooth = (scaling.originalMaxPositions / wavelen - scaling.lowFreqFactor)
                        / (scaling.highFreqFactor - scaling.lowFreqFactor);
                inv[i] = (1 - smooth) * inv[i] / scaling.factor + smooth * inv[i];
            }
        }
        return inv;
    }
}
