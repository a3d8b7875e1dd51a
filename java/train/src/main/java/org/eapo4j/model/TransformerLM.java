package org.eapo4j.model;

import java.util.Map;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.EmbeddingImpl;
import org.bytedeco.pytorch.LayerNormImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.eapo4j.tensors.HostTensors;

/**
 * A small causal transformer language model on LibTorch modules: token + learned position embeddings, pre-norm
 * blocks (LayerNorm, causal scaled-dot-product attention, LayerNorm, GELU MLP), a final LayerNorm and an LM head.
 *
 * <p>Sequences are left-padded: {@code real[b][t]} marks real tokens, padding keys are masked out of attention and
 * position ids count real tokens only, so a left-padded row computes exactly what the unpadded row would. With a
 * {@link KvCache} the call appends the new positions to the cache (incremental decoding); without one it is a plain
 * full-sequence forward. The {@link CausalLM} methods take the same inputs as tensors.
 */
public final class TransformerLM extends Module implements CausalLM {
    private final ModelConfig cfg;
    private final EmbeddingImpl tok, pos;
    private final Block[] blocks;
    private final LayerNormImpl lnF;
    private final LinearImpl head;

    /** Parameters are drawn from LibTorch's global generator: call {@code torch.manual_seed} first. */
    public TransformerLM(ModelConfig cfg) {
        this.cfg = cfg;
        tok = register_module("tok", new EmbeddingImpl(cfg.vocab(), cfg.dModel()));
        pos = register_module("pos", new EmbeddingImpl(cfg.maxLen(), cfg.dModel()));
        blocks = new Block[cfg.layers()];
        for (int i = 0; i < blocks.length; i++) blocks[i] = register_module("block" + i, new Block(cfg));
        lnF = register_module("ln_f", new LayerNormImpl(new LongVector(new long[] {cfg.dModel()})));
        head = register_module("head", new LinearImpl(cfg.dModel(), cfg.vocab()));
        try (NoGradGuard g = new NoGradGuard()) {
            tok.weight().normal_(0.0, 0.02, null);
            pos.weight().normal_(0.0, 0.02, null);
            head.weight().normal_(0.0, 0.02, null);
            head.bias().zero_();
        }
    }

    public ModelConfig config() {
        return cfg;
    }

    /** Parameters by name, in registration order (handles onto the live tensors). */
    @Override
    public Map<String, Tensor> namedParameters() {
        return ModuleParameters.named(this);
    }

    public TensorVector parameterVector() {
        return parameters(true);
    }

    /** Copies every parameter of {@code other} (a TransformerLM of the same config) into this model. */
    @Override
    public void copyFrom(CausalLM other) {
        if (!(other instanceof TransformerLM t))
            throw new IllegalArgumentException("copyFrom: not a TransformerLM: " + other.getClass().getSimpleName());
        copyFrom(t);
    }

    /** Copies every parameter of {@code other} (same config) into this model. */
    public void copyFrom(TransformerLM other) {
        Map<String, Tensor> src = other.namedParameters();
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : namedParameters().entrySet()) e.getValue().copy_(src.get(e.getKey()));
        }
    }

    /** A frozen copy (no gradients): the reference policy for the KL term. */
    @Override
    public TransformerLM frozenCopy() {
        TransformerLM c = new TransformerLM(cfg);
        c.copyFrom(this);
        for (Tensor p : c.namedParameters().values()) p.set_requires_grad(false);
        return c;
    }

    /** Full forward of left-padded tokens [B, T] to logits [B, T, V]. */
    public Tensor forward(long[][] tokens, boolean[][] real) {
        return forward(tokens, real, null);
    }

    /**
     * Forward of the next {@code tokens[b].length} positions of every row. With a cache, attention also sees the
     * cached positions and the new keys/values are appended; {@code real} covers the new positions only.
     */
    public Tensor forward(long[][] tokens, boolean[][] real, KvCache cache) {
        try (PointerScope scope = new PointerScope()) {
            return head.forward(forwardHidden(tokens, real, cache)).retainReference();
        }
    }

    /** The final hidden states (after ln_f) of the same forward as {@link #forward(long[][], boolean[][], KvCache)}. */
    private Tensor forwardHidden(long[][] tokens, boolean[][] real, KvCache cache) {
        int b = tokens.length, t = tokens[0].length;
        int past = cache == null ? 0 : cache.length;
        boolean[][] allReal = new boolean[b][past + t];
        for (int i = 0; i < b; i++) {
            if (past > 0) System.arraycopy(cache.real[i], 0, allReal[i], 0, past);
            System.arraycopy(real[i], 0, allReal[i], past, t);
        }
        long[] ids = new long[b * t], posIds = new long[b * t];
        float[] mask = new float[b * t * (past + t)];
        for (int i = 0; i < b; i++) {
            int count = 0;
            for (int j = 0; j < past; j++) if (allReal[i][j]) count++;
            for (int j = 0; j < t; j++) {
                ids[i * t + j] = tokens[i][j];
                posIds[i * t + j] = Math.min(count, cfg.maxLen() - 1);
                if (real[i][j]) count++;
                int q = past + j;
                for (int k = 0; k < past + t; k++) {
                    boolean ok = k == q || (k < q && allReal[i][k]);
                    mask[(i * t + j) * (past + t) + k] = ok ? 0f : -1e9f;
                }
            }
        }
        Tensor idT = HostTensors.fromLongs(ids, b, t);
        Tensor posT = HostTensors.fromLongs(posIds, b, t);
        Tensor maskT = HostTensors.fromFloats(mask, b, 1, t, past + t);
        Tensor x = tok.forward(idT).add(pos.forward(posT));
        for (int l = 0; l < blocks.length; l++) x = blocks[l].forward(x, maskT, cache, l);
        if (cache != null) {
            cache.real = allReal;
            cache.length = past + t;
        }
        return lnF.forward(x);
    }

    // ----- CausalLM: the same forward with tensor inputs -----

    @Override
    public Tensor logits(Tensor inputIds, Tensor attentionMask) {
        return logits(inputIds, attentionMask, null);
    }

    @Override
    public Tensor logits(Tensor inputIds, Tensor attentionMask, KvCache cache) {
        long[][] ids = rows(inputIds);
        return forward(ids, newPositions(attentionMask, ids, cache), cache);
    }

    @Override
    public Tensor lastLogits(Tensor inputIds, Tensor attentionMask, KvCache cache) {
        long[][] ids = rows(inputIds);
        try (PointerScope scope = new PointerScope()) {
            Tensor h = forwardHidden(ids, newPositions(attentionMask, ids, cache), cache);
            return head.forward(h.select(1, h.size(1) - 1)).retainReference();
        }
    }

    @Override
    public Tensor hiddenStates(Tensor inputIds, Tensor attentionMask) {
        long[][] ids = rows(inputIds);
        try (PointerScope scope = new PointerScope()) {
            return forwardHidden(ids, newPositions(attentionMask, ids, null), null).retainReference();
        }
    }

    /** Per layer, in float32: the residual stream and norms (5 D), q, k, v and the attention output (4 D), the MLP
     * (2 F), the attention weights (heads x the sequence length). */
    @Override
    public long activationBytesPerToken(int sequenceLength) {
        long perLayer = 9L * cfg.dModel() + 2L * cfg.dFf() + (long) cfg.heads() * sequenceLength;
        return 4L * (cfg.layers() * perLayer + cfg.dModel());
    }

    @Override
    public KvCache newCache() {
        return new KvCache(cfg.layers());
    }

    @Override
    public Tensor headWeight() {
        return new Tensor(head.weight());
    }

    @Override
    public Tensor headBias() {
        return new Tensor(head.bias());
    }

    @Override
    public int vocabSize() {
        return cfg.vocab();
    }

    @Override
    public int maxPositions() {
        return cfg.maxLen();
    }

    private static long[][] rows(Tensor inputIds) {
        if (inputIds.dim() != 2) throw new IllegalArgumentException("inputIds must be [B, T]");
        int b = (int) inputIds.size(0), t = (int) inputIds.size(1);
        long[] flat = HostTensors.toLongs(inputIds);
        long[][] r = new long[b][t];
        for (int i = 0; i < b; i++) System.arraycopy(flat, i * t, r[i], 0, t);
        return r;
    }

    /** The mask columns of the new positions: the mask covers the cached positions too. */
    private static boolean[][] newPositions(Tensor attentionMask, long[][] ids, KvCache cache) {
        int b = ids.length, t = ids[0].length, past = cache == null ? 0 : cache.length;
        if (attentionMask.dim() != 2 || attentionMask.size(0) != b || attentionMask.size(1) != past + t)
            throw new IllegalArgumentException("attentionMask must be [" + b + ", " + (past + t) + "]");
        long[] flat = HostTensors.toLongs(attentionMask);
        boolean[][] r = new boolean[b][t];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < t; j++) r[i][j] = flat[i * (past + t) + past + j] != 0;
        return r;
    }

    /** One pre-norm transformer block. */
    static final class Block extends Module {
        private final int heads, dHead;
        private final LayerNormImpl ln1, ln2;
        private final LinearImpl qkv, proj, fc1, fc2;

        Block(ModelConfig cfg) {
            heads = cfg.heads();
            dHead = cfg.dModel() / cfg.heads();
            ln1 = register_module("ln1", new LayerNormImpl(new LongVector(new long[] {cfg.dModel()})));
            qkv = register_module("qkv", new LinearImpl(cfg.dModel(), 3L * cfg.dModel()));
            proj = register_module("proj", new LinearImpl(cfg.dModel(), cfg.dModel()));
            ln2 = register_module("ln2", new LayerNormImpl(new LongVector(new long[] {cfg.dModel()})));
            fc1 = register_module("fc1", new LinearImpl(cfg.dModel(), cfg.dFf()));
            fc2 = register_module("fc2", new LinearImpl(cfg.dFf(), cfg.dModel()));
            try (NoGradGuard g = new NoGradGuard()) {   // GPT-2 style small init of the residual projections
                double std = 0.02 / Math.sqrt(2.0 * cfg.layers());
                proj.weight().normal_(0.0, std, null);
                fc2.weight().normal_(0.0, std, null);
            }
        }

        Tensor forward(Tensor x, Tensor mask, KvCache cache, int layer) {
            long b = x.size(0), t = x.size(1), d = x.size(2);
            Tensor h = qkv.forward(ln1.forward(x)).view(b, t, 3, heads, dHead).permute(2, 0, 3, 1, 4);
            Tensor q = h.select(0, 0), k = h.select(0, 1), v = h.select(0, 2);
            if (cache != null) {
                Tensor[] kv = cache.append(layer, k, v);
                k = kv[0];
                v = kv[1];
            }
            Tensor a = ScaledDotProductAttention.compute(q, k, v, mask);
            Tensor merged = a.transpose(1, 2).reshape(b, t, d);
            x = x.add(proj.forward(merged));
            return x.add(fc2.forward(torch.gelu(fc1.forward(ln2.forward(x)))));
        }
    }
}
