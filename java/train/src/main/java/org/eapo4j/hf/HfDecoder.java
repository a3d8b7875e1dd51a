package org.eapo4j.hf;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.hf.HfLayers.AdapterPass;
import org.eapo4j.hf.HfLayers.Embedding;
import org.eapo4j.hf.HfLayers.Linear;
import org.eapo4j.hf.HfLayers.Placement;
import org.eapo4j.hf.HfLayers.RmsNorm;
import org.eapo4j.kernels.Bf16Linear;
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
 *
 * <p>LoRA ({@link HfModels#applyLora}, {@link HfModels#load(Path, Path, ScalarType, String)}): the linear layers of
 * the blocks then carry adapters, the base weights are frozen, and {@link #namedParameters()} returns the adapters
 * only ({@code model.layers.N.self_attn.q_proj.lora_A.weight}, ...), so an optimizer, a gradient all-reduce or a
 * checkpoint built on it sees nothing else. {@link #frozenCopy()} is then a view of the base without adapters that
 * shares this model's weights (see there). The model starts in evaluation mode; LoRA dropout acts only after
 * {@link #training(boolean) training(true)}, nothing else depends on the mode.
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
    private volatile boolean training;  // LoRA dropout on (training(boolean))
    private LoraConfig lora;       // null: no adapters
    private int openViews;         // reference views (frozenCopy with LoRA) not yet closed

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

    /**
     * Training mode: LoRA dropout on the adapters' input in this model's forward passes (off at start). A Java flag,
     * not LibTorch's {@code Module.train}: that one walks the module tree through JavaCPP callbacks into Java objects
     * that are not all kept alive.
     */
    public void training(boolean on) {
        training = on;
    }

    /** Whether {@link #training(boolean)} is on. */
    public boolean isTraining() {
        return training;
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
        return logits(inputIds, attentionMask, cache, pass());
    }

    Tensor logits(Tensor inputIds, Tensor attentionMask, KvCache cache, AdapterPass pass) {
        try (PointerScope scope = new PointerScope(); DecodeThreads dt = decodeThreads(inputIds, cache)) {
            Tensor h = hidden(inputIds, attentionMask, cache, pass);
            Tensor out = HfLayers.linear(h, headWeightHandle(), null);
            return out.retainReference();
        }
    }

    @Override
    public Tensor lastLogits(Tensor inputIds, Tensor attentionMask, KvCache cache) {
        try (PointerScope scope = new PointerScope(); DecodeThreads dt = decodeThreads(inputIds, cache)) {
            Tensor h = hidden(inputIds, attentionMask, cache, pass());
            return HfLayers.linear(h.select(1, h.size(1) - 1), headWeightHandle(), null).retainReference();
        }
    }

    /**
     * Per layer: the residual stream and the norms' outputs (5 D), q, k, v before and after the rotation and the
     * attention output (3 H dh + 3 Hkv dh), the MLP's gate, up, activation and product (4 I), and the attention
     * weights of the math kernel (H x the sequence length).
     */
    @Override
    public long activationBytesPerToken(int sequenceLength) {
        HfConfig c = config;
        long perLayer = 5L * c.hiddenSize() + 3L * c.numHeads() * c.headDim() + 3L * c.numKvHeads() * c.headDim()
                + 4L * c.intermediateSize() + (long) c.numHeads() * sequenceLength;
        return c.numLayers() * perLayer * torch.elementSize(placement.dtype()) + 4L * c.hiddenSize();
    }

    @Override
    public KvCache newCache() {
        return new KvCache(layers.length);
    }

    @Override
    public Tensor hiddenStates(Tensor inputIds, Tensor attentionMask) {
        return hiddenStates(inputIds, attentionMask, pass());
    }

    Tensor hiddenStates(Tensor inputIds, Tensor attentionMask, AdapterPass pass) {
        try (PointerScope scope = new PointerScope()) {
            return hidden(inputIds, attentionMask, null, pass).retainReference();
        }
    }

    /** How this model's own forward passes use its adapters: none, or with dropout in training mode. */
    private AdapterPass pass() {
        return lora == null ? AdapterPass.OFF : training ? AdapterPass.ON_TRAINING : AdapterPass.ON;
    }

    /**
     * With {@link Bf16Linear} on, a decode step of a bf16 model on the CPU runs its linear layers on our kernel, whose
     * worker threads need the cores: LibTorch's OpenMP threads spin for a while after each of its ops and took half of
     * them (a decode step of the 0.6B model took 210 ms instead of 157). So the step runs LibTorch's ops (norms,
     * rotary, attention) on one thread and gives the threads back after it.
     */
    private DecodeThreads decodeThreads(Tensor ids, KvCache cache) {
        boolean kernelStep = cache != null && ids.numel() <= Bf16Linear.MAX_ROWS
                && placement.dtype().intern() == ScalarType.BFloat16
                && "cpu".equals(placement.device()) && Bf16Linear.available() && !GradMode.is_enabled();
        return kernelStep ? new DecodeThreads() : null;
    }

    /** LibTorch on one thread until closed. */
    private static final class DecodeThreads implements AutoCloseable {
        private final int before = torch.get_num_threads();

        DecodeThreads() {
            if (before > 1) torch.set_num_threads(1);
        }

        @Override
        public void close() {
            if (before > 1) torch.set_num_threads(before);
        }
    }

    private Tensor hidden(Tensor ids, Tensor mask, KvCache cache, AdapterPass pass) {
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
        // each layer's intermediates are freed when it returns (a scope per layer): an enclosing scope would hold
        // every layer's until the whole forward ends (autograd keeps what the backward needs on its own)
        Tensor held = null;   // the previous layer's output, retained past its scope
        try {
            for (int l = 0; l < layers.length; l++) {
                Tensor next;
                try (PointerScope layerScope = new PointerScope()) {
                    next = layers[l].forward(x, cos, sin, attnMask, cache, l, pass);
                    next.retainReference();
                }
                if (held != null) held.close();
                held = next;
                x = next;
            }
            if (cache != null) cache.advance((int) t);
            return norm.forward(x);
        } finally {
            if (held != null) held.close();   // also when a layer throws
        }
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

    /**
     * The trainable parameters: every weight of the model, or with LoRA the adapters alone
     * ({@code <module>.lora_A.weight} [r, in] and {@code <module>.lora_B.weight} [out, r] per adapted module, in
     * module order). Owned handles onto the live tensors.
     */
    @Override
    public Map<String, Tensor> namedParameters() {
        if (lora == null) return ModuleParameters.named(this);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Linear> e : blockLinears().entrySet()) {
            HfLayers.LoraAdapter a = e.getValue().lora;
            if (a == null) continue;
            out.put(e.getKey() + ".lora_A.weight", new Tensor(a.a));
            out.put(e.getKey() + ".lora_B.weight", new Tensor(a.b));
        }
        return out;
    }

    /** Every base weight by its checkpoint name (never the adapters): owned handles onto the live tensors. */
    Map<String, Tensor> baseParameters() {
        return ModuleParameters.named(this);
    }

    /** The linear layers of the blocks by full module name ("model.layers.0.self_attn.q_proj"), in module order. */
    Map<String, Linear> blockLinears() {
        Map<String, Linear> out = new LinkedHashMap<>();
        for (int i = 0; i < layers.length; i++)
            for (Map.Entry<String, Linear> e : layers[i].linears().entrySet())
                out.put("model.layers." + i + "." + e.getKey(), e.getValue());
        return out;
    }

    /** The LoRA configuration of the adapters, or null when the model has none. */
    public LoraConfig lora() {
        return lora;
    }

    /**
     * Attaches {@code adapters} (full module name to adapter; the model takes ownership) and freezes every base
     * weight; with {@code config} null, detaches nothing and unfreezes the base (after a merge).
     */
    void setLora(LoraConfig config, Map<String, HfLayers.LoraAdapter> adapters) {
        Map<String, Linear> linears = blockLinears();
        for (Map.Entry<String, HfLayers.LoraAdapter> e : adapters.entrySet()) linears.get(e.getKey()).lora = e.getValue();
        lora = config;
        Map<String, Tensor> base = baseParameters();
        for (Tensor p : base.values()) {
            p.set_requires_grad(config == null);
            p.close();
        }
    }

    int openReferenceViews() {
        return openViews;
    }

    void viewClosed() {
        openViews--;
    }

    /**
     * Without LoRA: a copy with its own parameters and no gradients. With LoRA: a view of this model with the adapters
     * switched off (the base model, the frozen reference of the KL term) that shares this model's base weights, so
     * the weights are never held twice. Ownership: the view owns no weights; closing it frees nothing of this model,
     * and it must not be used after this model is closed. Its {@code namedParameters()} is empty (nothing in it
     * trains; the base is restored by loading the base model again, not from a checkpoint), and {@code copyFrom}
     * refuses.
     */
    @Override
    public CausalLM frozenCopy() {
        if (lora != null) {
            openViews++;
            return new LoraReference(this);
        }
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
