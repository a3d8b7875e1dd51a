package org.eapo4j.model;

import java.util.Map;

import org.bytedeco.pytorch.Tensor;

/**
 * A causal language model the trainer, {@code eval} and {@code compare} can drive: the built-in
 * {@link TransformerLM} and the Hugging Face decoders ({@code org.eapo4j.hf.HfModels#load}) implement it.
 *
 * <p>Ownership: every tensor a method returns is a new handle owned by the caller (close it, or let a
 * {@code PointerScope} do it); {@link #namedParameters()} returns handles onto the live parameters. The model owns its
 * parameters and frees them in {@link #close()}.
 */
public interface CausalLM extends AutoCloseable {
    /**
     * Logits of every position.
     *
     * @param inputIds      [B, T] int64 token ids
     * @param attentionMask [B, T] (1 = token, 0 = padding, left or right); position ids are derived from it, so a
     *                      padded row computes what the same sequence alone would
     * @return [B, T, V] logits in the parameters' dtype, in the autograd graph unless grad mode is off
     */
    Tensor logits(Tensor inputIds, Tensor attentionMask);

    /**
     * Incremental decoding: logits of the {@code inputIds.size(1)} new positions of every row, attending to the
     * positions already in {@code cache}, whose keys and values are then appended to it.
     *
     * @param inputIds      [B, Tnew] int64
     * @param attentionMask [B, Tpast + Tnew]: the mask of every position seen so far, the new ones included
     * @param cache         from {@link #newCache()}, used with this model only
     */
    Tensor logits(Tensor inputIds, Tensor attentionMask, KvCache cache);

    /**
     * Logits of the last new position of every row only, [B, V]: what a generator samples from. The default computes
     * every position and selects the last; models override it to apply the output layer to the last position only
     * (a prompt of T tokens then costs one [B, V] head product instead of T).
     *
     * @param cache null for a full forward of {@code inputIds}
     */
    default Tensor lastLogits(Tensor inputIds, Tensor attentionMask, KvCache cache) {
        try (Tensor all = cache == null ? logits(inputIds, attentionMask) : logits(inputIds, attentionMask, cache)) {
            return all.select(1, all.size(1) - 1).contiguous();
        }
    }

    /** A fresh, empty key/value cache for {@link #logits(Tensor, Tensor, KvCache)}; the caller closes it. */
    KvCache newCache();

    /** Final hidden states (after the last norm, before the LM head), [B, T, D]: the input of a fused linear head. */
    Tensor hiddenStates(Tensor inputIds, Tensor attentionMask);

    /** The LM head weight [V, D] (the embedding matrix when tied): a handle onto the live parameter. */
    Tensor headWeight();

    /** The LM head bias [V], or null when the head has none. */
    default Tensor headBias() {
        return null;
    }

    int vocabSize();

    /**
     * Bytes of activations a training forward keeps for the backward pass, per token of a batch of sequences of
     * {@code sequenceLength} tokens (the output layer's logits excluded): the memory estimate before training. An
     * estimate; 0 = unknown.
     */
    default long activationBytesPerToken(int sequenceLength) {
        return 0;
    }

    /** The longest sequence (prompt + completion) the model supports. */
    int maxPositions();

    /** Trainable parameters by name, in a fixed order (handles onto the live tensors). */
    Map<String, Tensor> namedParameters();

    /**
     * The frozen reference policy of the KL term: a copy with its own parameters and no gradients, or, for a model
     * whose base is frozen under LoRA adapters ({@code org.eapo4j.hf.HfDecoder}), a view of the base with the adapters
     * switched off that shares the weights (it owns nothing, its {@link #namedParameters()} is empty, and it must not
     * outlive this model). Either way the caller closes it.
     */
    CausalLM frozenCopy();

    /** Copies every parameter of {@code other} (same architecture and names) into this model. */
    void copyFrom(CausalLM other);

    @Override
    void close();
}
