package org.eapo4j.kernels;

/**
 * The filters of {@link FusedKernels#sample}, applied in the order HF transformers applies them (and the model's
 * {@code Sampler} did on the host): temperature, then top-k, then top-p, then min-p. See native/include/eapo4j.h,
 * "Sampling", for the exact definition.
 *
 * @param temperature 0 for greedy decoding (the first id of the largest logit), else finite and > 0
 * @param topK        keep the ids whose logit is >= the k-th largest (ties with it kept); 0 = off
 * @param topP        keep the shortest prefix (probability descending, equal probabilities by id ascending) whose
 *                    mass reaches topP; in (0, 1], 1 = off
 * @param minP        keep the ids with p >= minP * (largest p); in [0, 1], 0 = off
 */
public record SamplingParams(double temperature, int topK, double topP, double minP) {
    public SamplingParams {
        if (!(temperature >= 0) || Double.isInfinite(temperature))
            throw new IllegalArgumentException("temperature must be 0 (greedy) or finite and > 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("topK must be >= 0 (0 = off), got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("topP must be in (0, 1] (1 = off), got " + topP);
        if (!(minP >= 0 && minP <= 1)) throw new IllegalArgumentException("minP must be in [0, 1] (0 = off), got " + minP);
    }

    /** Arg-max decoding. */
    public static SamplingParams greedy() {
        return new SamplingParams(0, 0, 1, 0);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }
}
