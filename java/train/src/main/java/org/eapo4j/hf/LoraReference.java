package org.eapo4j.hf;

import java.util.Map;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.hf.HfLayers.AdapterPass;
import org.eapo4j.model.CausalLM;
import org.eapo4j.model.KvCache;

/**
 * The base model under a LoRA {@link HfDecoder}: the same forward passes with every adapter switched off, over the
 * decoder's own (frozen) weights. What {@link HfDecoder#frozenCopy()} returns for a LoRA model, as the frozen
 * reference of the KL term without a second copy of the weights.
 *
 * <p>Ownership: the view owns no native memory. {@link #close()} frees nothing; it only marks the view closed (later
 * calls throw) and lets the decoder know that no view needs its base unchanged any more ({@link LoraAdapters#merge}
 * refuses while a view is open). The view must not be used after its decoder is closed.
 */
final class LoraReference implements CausalLM {
    private final HfDecoder base;
    private boolean closed;

    LoraReference(HfDecoder base) {
        this.base = base;
    }

    private HfDecoder base() {
        if (closed) throw new IllegalStateException("this LoRA reference view is closed");
        return base;
    }

    @Override
    public Tensor logits(Tensor inputIds, Tensor attentionMask) {
        return base().logits(inputIds, attentionMask, null, AdapterPass.OFF);
    }

    @Override
    public Tensor logits(Tensor inputIds, Tensor attentionMask, KvCache cache) {
        return base().logits(inputIds, attentionMask, cache, AdapterPass.OFF);
    }

    @Override
    public KvCache newCache() {
        return base().newCache();
    }

    @Override
    public Tensor hiddenStates(Tensor inputIds, Tensor attentionMask) {
        return base().hiddenStates(inputIds, attentionMask, AdapterPass.OFF);
    }

    /** The decoder's head weight (never adapted, frozen): a handle onto the live tensor. */
    @Override
    public Tensor headWeight() {
        return base().headWeight();
    }

    @Override
    public int vocabSize() {
        return base().vocabSize();
    }

    @Override
    public int maxPositions() {
        return base().maxPositions();
    }

    /** Empty: nothing in the reference trains, and its weights belong to the decoder. */
    @Override
    public Map<String, Tensor> namedParameters() {
        base();
        return Map.of();
    }

    /** Another view of the same base. */
    @Override
    public CausalLM frozenCopy() {
        return base().frozenCopy();
    }

    @Override
    public void copyFrom(CausalLM other) {
        throw new UnsupportedOperationException("a LoRA reference view shares the base weights of its model: it "
                + "cannot be overwritten (the base is frozen)");
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        base.viewClosed();
    }
}
