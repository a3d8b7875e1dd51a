package org.eapo4j.model;

/**
 * How the next token is drawn: softmax(logits / temperature), restricted to the topK most likely tokens (0 = all)
 * and to the smallest set whose mass reaches topP (1 = all). topK = 1 is greedy decoding: {@link CausalLMGenerator}
 * then takes the arg-max (the first one on ties) without drawing.
 */
public record SamplingConfig(double temperature, int topK, double topP, int maxNewTokens) {
    public SamplingConfig {
        if (!(temperature > 0)) throw new IllegalArgumentException("temperature must be > 0");
        if (topK < 0) throw new IllegalArgumentException("topK must be >= 0");
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("topP must be in (0, 1]");
        if (maxNewTokens < 1) throw new IllegalArgumentException("maxNewTokens must be >= 1");
    }

    public static SamplingConfig of(double temperature, int maxNewTokens) {
        return new SamplingConfig(temperature, 0, 1.0, maxNewTokens);
    }

    /** Arg-max decoding of up to {@code maxNewTokens} tokens. */
    public static SamplingConfig greedy(int maxNewTokens) {
        return new SamplingConfig(1.0, 1, 1.0, maxNewTokens);
    }

    public boolean isGreedy() {
        return topK == 1;
    }
}
