package org.eapo4j.model;

/**
 * Shape of the causal transformer LM.
 *
 * @param vocab   vocabulary size
 * @param dModel  width of the residual stream
 * @param layers  number of pre-norm blocks
 * @param heads   attention heads (dModel must be divisible by heads)
 * @param dFf     hidden width of the MLP
 * @param maxLen  longest sequence (prompt + answer) the learned position table covers
 */
public record ModelConfig(int vocab, int dModel, int layers, int heads, int dFf, int maxLen) {
    public ModelConfig {
        if (vocab < 2 || dModel < 1 || layers < 1 || heads < 1 || dFf < 1 || maxLen < 2)
            throw new IllegalArgumentException("bad model config: " + vocab + "/" + dModel + "/" + layers + "/" + heads);
        if (dModel % heads != 0) throw new IllegalArgumentException("dModel must be divisible by heads");
    }

    /** The default policy for the embedded task: 2 blocks of width 128, 4 heads. */
    public static ModelConfig small(int vocab) {
        return new ModelConfig(vocab, 128, 2, 4, 512, 96);
    }
}
