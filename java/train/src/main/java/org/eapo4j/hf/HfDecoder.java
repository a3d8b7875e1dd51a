package org.eapo4j.hf;

import java.nio.file.Path;
import java.util.Map;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.hf.HfLayers.Embedding;
import org.eapo4j.hf.HfLayers.Linear;
import org.eapo4j.hf.HfLayers.Placement;
import org.eapo4j.hf.HfLayers.RmsNorm;
import org.eapo4j.model.CausalLM;
import org.eapo4j.model.KvCache;
import org.eapo4j.model.ModuleParameters;

/**
 * A Llama / Mistral / Qwen2 / Qwen3 decoder on LibTorch modules, computing in its parameters' dtype (float32, bfloat16
 * or float16) on their device. The module tree mirrors {@code transformers} ({@code model.embed_tokens},
 * {@code model.layers.N...}, {@code model.norm}, {@code lm_head}), so parameter names are the checkpoint's tensor names.
 * Built by {@link HfModels#load}; parameters start uninitialised until filled from a checkpoint or another model.
 *
 * <p>Position ids come from the attention mask (the count of real tokens before a position), and padding keys are
 * masked out of attention, so a padded row, left or right, computes what the same sequence alone computes.
 */
public final class HfDecoder extends Module implements CausalLM {
    private final HfConfig config;
    private final Placement placement;
    private final Path source;
    private final Embedding embed;
    private final HfDecoderLayer[] layers;
    private final RmsNorm norm;
    private final Linear lmHead;   // null when tied to the embeddings
    private final Tensor invFreq;  // [headDim / 2] float32 on the parameters' device

    HfDecoder(HfConfig config, ScalarType dtype, String device, Path source) {
        this.config = config;
        this.placement = new Placement(dtype, device);
        this.source = source;
        Module model = register_module("model", new Module());
        embed = model.register_module("embed_tokens", new Embedding(config.vocabSize(), config.hiddenSize(), placement));
        Module list = model.register_module("layers", new Module());
        layers = new HfDecoderLayer[config.numLayers()];
        for (int i = 0; i < layers.length; i++)
            layers[i] = list.register_module(Integer.toString(i), new HfDecoderLayer(config, placement));
        norm = model.register_module("norm", new RmsNorm(config.hiddenSize(), config.rmsNormEps(), placement));
        lmHead = config.tieEmbeddings() ? null
                : register_module("lm_head", new Linear(config.hiddenSize(), config.vocabSize(), false, placement));
        double[] inv = RopeScaling.inverseFrequencies(config.headDim(), config.ropeTheta(), config.ropeScaling());
        float[] f = new float[inv.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) inv[i];
        try (Tensor host = org.eapo4j.tensors.HostTensors.fromFloats(f, f.length); Device d = new Device(device)) {
            invFreq = host.to(d, ScalarType.Float);
        }
    }

    public HfConfig config() {
        return config;
    }

    /** The dtype of the parameters (and of the computation and the logits). */
    public ScalarType dtype() {
        return placement.dtype();
    }

    /** The LibTorch device string of the parameters ("cpu", "cuda:0"). */
    public String device() {
        return placement.device();
    }

    /** The folder it was loaded from (its tokenizer files are copied on save), or null. */
    public Path source() {
        return source;
    }

    @Override
    public Tensor logits(Tensor inputIds, Tensor attentionMask) {
        return logits(inputIds, attentionMask, null);
    }

    @Override
    public Tensor logits(Tensor inputIds, Tensor attentionMask, KvCache cache) {
        try (PointerScope scope = new PointerScope()) {
            Tensor h = hidden(inputIds, attentionMask, cache);
            Tensor out = torch.linear(h, headWeightHandle());
            return out.retainReference();
        }
    }

    @Override
    public KvCache newCache() {
        return new KvCache(layers.length);
    }

    @Override
    public Tensor hiddenStates(Tensor inputIds, Tensor attentionMask) {
        try (PointerScope scope = new PointerScope()) {
            return hidden(inputIds, attentionMask, null).retainReference();
        }
    }

    private Tensor hidden(Tensor ids, Tensor mask, KvCache cache) {
        if (ids.dim() != 2 || ids.scalar_type().intern() != ScalarType.Long)
            throw new IllegalArgumentException("inputIds must be [B, T] int64, got " + java.util.Arrays.toString(shape(ids)) + " "
                    + ids.scalar_type());
        long b = ids.size(0), t = ids.size(1);
        int past = cache == null ? 0 : cache.length();
        if (cache != null && cache.layers() != layers.length)
            throw new IllegalArgumentException("cache has " + cache.layers() + " layers, the model " + layers.length);
        long total = past + t;
        if (mask.dim() != 2 || mask.size(0) != b || mask.size(1) != total)
            throw new IllegalArgumentException("attentionMask must be [" + b + ", " + total + "] (past + new "
                    + "positions), got " + java.util.Arrays.toString(shape(mask)));
        if (t < 1) throw new IllegalArgumentException("inputIds has no positions");
        if (total > config.maxPositions())
            throw new IllegalArgumentException("sequence of " + total + " positions exceeds max_position_embeddings "
                    + config.maxPositions());
        if (config.slidingWindow() > 0 && total > config.slidingWindow())
            throw new IllegalArgumentException("sequence of " + total + " positions is longer than the sliding window "
                    + "of " + config.slidingWindow() + " that config.json sets: sliding-window attention is not "
                    + "supported");
        Device dev = invFreq.device();
        Tensor idsD = ids.to(dev, ScalarType.Long);
        Tensor real = mask.to(dev, ScalarType.Bool);                           // [B, Ttot]
        Tensor pos = real.to(ScalarType.Long).cumsum(1).sub(new Scalar(1L)).clamp_min(new Scalar(0L))
                .narrow(1, past, t);                                             // [B, T]
        Tensor freqs = pos.to(ScalarType.Float).unsqueeze(2).mul(invFreq);      // [B, T, hd/2]
        Tensor emb = torch.cat(new TensorVector(freqs, freqs), 2);
        ScalarType dt = placement.dtype();
        Tensor cos = emb.cos().to(dt).unsqueeze(1), sin = emb.sin().to(dt).unsqueeze(1);
        Tensor attnMask = attentionMask(real, past, t, dev);
        Tensor x = embed.forward(idsD);
        for (int l = 0; l < layers.length; l++) x = layers[l].forward(x, cos, sin, attnMask, cache, l);
        if (cache != null) cache.advance((int) t);
        return norm.forward(x);
    }

    /** [B, 1, T, Ttot] boolean: key k is visible to query q if k <= q and k is a real token, or k == q. */
    private static Tensor attentionMask(Tensor real, long past, long t, Device dev) {
        long total = past + t;
        TensorOptions o = new TensorOptions(ScalarType.Long).device(new org.bytedeco.pytorch.DeviceOptional(dev));
        Tensor k = torch.arange(new Scalar(total), o).view(1, total);
        Tensor q = torch.arange(new Scalar(past), new Scalar(total), o).view(t, 1);
        Tensor causal = k.le(q).unsqueeze(0);                                   // [1, T, Ttot]
        Tensor self = k.eq(q).unsqueeze(0);
        return causal.logical_and(real.unsqueeze(1)).logical_or(self).unsqueeze(1);
    }

    private Tensor headWeightHandle() {
        return lmHead == null ? embed.weight : lmHead.weight;
    }

    @Override
    public Tensor headWeight() {
        return new Tensor(headWeightHandle());
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int maxPositions() {
        return config.maxPositions();
    }

    @Override
    public Map<String, Tensor> namedParameters() {
        return ModuleParameters.named(this);
    }

    @Override
    public HfDecoder frozenCopy() {
        HfDecoder c = new HfDecoder(config, placement.dtype(), placement.device(), source);
        c.copyFrom(this);
        for (Tensor p : c.namedParameters().values()) p.set_requires_grad(false);
        return c;
    }

    @Override
    public void copyFrom(CausalLM other) {
        Map<String, Tensor> src = other.namedParameters(), dst = namedParameters();
        if (!src.keySet().equals(dst.keySet()))
            throw new IllegalArgumentException("copyFrom: parameter names differ (" + src.size() + " vs " + dst.size()
                    + " parameters)");
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : dst.entrySet()) {
                Tensor s = src.get(e.getKey());
                if (!java.util.Arrays.equals(shape(s), shape(e.getValue())))
                    throw new IllegalArgumentException("copyFrom: '" + e.getKey() + "' is " + java.util.Arrays.toString(
                            shape(s)) + ", here " + java.util.Arrays.toString(shape(e.getValue())));
                e.getValue().copy_(s);
            }
        }
    }

    static long[] shape(Tensor t) {
        long[] s = new long[(int) t.dim()];
        for (int i = 0; i < s.length; i++) s[i] = t.size(i);
        return s;
    }

    @Override
    public void close() {
        invFreq.close();
        embed.release();
        norm.release();
        if (lmHead != null) lmHead.release();
        for (HfDecoderLayer l : layers) l.release();
        super.close();
    }
}
