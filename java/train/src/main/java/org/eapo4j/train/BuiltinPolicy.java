package org.eapo4j.train;

import java.util.Map;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.model.CausalLM;
import org.eapo4j.model.KvCache;
import org.eapo4j.model.TransformerLM;
import org.eapo4j.tensors.HostTensors;

/**
 * The built-in {@link TransformerLM} seen through {@link CausalLM}, so that the trainer's update, old-policy pass
 * and checkpoints are written against the interface. Transitional: once TransformerLM implements CausalLM itself,
 * the trainer can hold it directly and this adapter goes. The fused-head accessors are not offered here.
 */
final class BuiltinPolicy implements CausalLM {
    private final TransformerLM model;

    BuiltinPolicy(TransformerLM model) {
        this.model = model;
    }

    TransformerLM model() {
        return model;
    }

    @Override
    public Tensor logits(Tensor inputIds, Tensor attentionMask) {
        return model.forward(rows(inputIds), real(attentionMask, 0));
    }

    @Override
    public Tensor logits(Tensor inputIds, Tensor attentionMask, KvCache cache) {
        // TransformerLM takes the mask of the new positions only
        return model.forward(rows(inputIds), real(attentionMask, attentionMask.size(1) - inputIds.size(1)), cache);
    }

    @Override
    public KvCache newCache() {
        return new KvCache(model.config().layers());
    }

    @Override
    public Tensor hiddenStates(Tensor inputIds, Tensor attentionMask) {
        throw new UnsupportedOperationException("hiddenStates: not offered by the transitional adapter");
    }

    @Override
    public Tensor headWeight() {
        throw new UnsupportedOperationException("headWeight: not offered by the transitional adapter");
    }

    @Override
    public int vocabSize() {
        return model.config().vocab();
    }

    @Override
    public int maxPositions() {
        return model.config().maxLen();
    }

    @Override
    public Map<String, Tensor> namedParameters() {
        return model.namedParameters();
    }

    @Override
    public CausalLM frozenCopy() {
        return new BuiltinPolicy(model.frozenCopy());
    }

    @Override
    public void copyFrom(CausalLM other) {
        if (!(other instanceof BuiltinPolicy b)) throw new IllegalArgumentException("not a built-in model");
        model.copyFrom(b.model);
    }

    @Override
    public void close() {
        model.close();
    }

    private static long[][] rows(Tensor ids) {
        int b = (int) ids.size(0), t = (int) ids.size(1);
        long[] flat = HostTensors.toLongs(ids);
        long[][] out = new long[b][t];
        for (int i = 0; i < b; i++) System.arraycopy(flat, i * t, out[i], 0, t);
        return out;
    }

    private static boolean[][] real(Tensor mask, long from) {
        int b = (int) mask.size(0), t = (int) mask.size(1);
        long[] flat = HostTensors.toLongs(mask);
        boolean[][] out = new boolean[b][(int) (t - from)];
        for (int i = 0; i < b; i++)
            for (int j = (int) from; j < t; j++) out[i][(int) (j - from)] = flat[i * t + j] != 0;
        return out;
    }
}
