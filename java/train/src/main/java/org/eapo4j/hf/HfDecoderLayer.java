package org.eapo4j.hf;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.eapo4j.hf.HfLayers.AdapterPass;
import org.eapo4j.hf.HfLayers.Linear;
import org.eapo4j.hf.HfLayers.Placement;
import org.eapo4j.hf.HfLayers.RmsNorm;
import org.eapo4j.model.ScaledDotProductAttention;
import org.eapo4j.model.KvCache;

/**
 * One pre-norm decoder block of the Llama family: RMSNorm, grouped-query self-attention with rotary embeddings
 * (q/k/v biases and per-head q/k RMSNorm where the config asks for them), residual, RMSNorm, SwiGLU MLP, residual.
 * Module names follow {@code transformers}: self_attn.{q,k,v,o}_proj, self_attn.{q,k}_norm, mlp.{gate,up,down}_proj,
 * input_layernorm, post_attention_layernorm.
 */
final class HfDecoderLayer extends Module {
    private final int heads, kvHeads, headDim;
    private final Attention attn;
    private final Mlp mlp;
    private final RmsNorm inputNorm, postNorm;

    HfDecoderLayer(HfConfig c, Placement p) {
        heads = c.numHeads();
        kvHeads = c.numKvHeads();
        headDim = c.headDim();
        attn = register_module("self_attn", new Attention(c, p));
        mlp = register_module("mlp", new Mlp(c, p));
        inputNorm = register_module("input_layernorm", new RmsNorm(c.hiddenSize(), c.rmsNormEps(), p));
        postNorm = register_module("post_attention_layernorm", new RmsNorm(c.hiddenSize(), c.rmsNormEps(), p));
    }

    /**
     * @param x     [B, T, D] hidden states of the new positions
     * @param cos   [B, 1, T, headDim] rotary cosines of their positions (sin likewise), in x's dtype
     * @param mask  [B, 1, T, Tpast + T] boolean: true where a query may attend to a key
     * @param cache keys/values of earlier positions (appended to), or null
     * @param pass  whether the linear layers' LoRA adapters (if any) take part
     */
    Tensor forward(Tensor x, Tensor cos, Tensor sin, Tensor mask, KvCache cache, int layer, AdapterPass pass) {
        long b = x.size(0), t = x.size(1);
        Tensor h = inputNorm.forward(x);
        Tensor q = attn.q.forward(h, pass).view(b, t, heads, headDim).transpose(1, 2);
        Tensor k = attn.k.forward(h, pass).view(b, t, kvHeads, headDim).transpose(1, 2);
        Tensor v = attn.v.forward(h, pass).view(b, t, kvHeads, headDim).transpose(1, 2);
        if (attn.qNorm != null) {
            q = attn.qNorm.forward(q);
            k = attn.kNorm.forward(k);
        }
        q = rotate(q, cos, sin);
        k = rotate(k, cos, sin);
        if (cache != null) {
            Tensor[] kv = cache.append(layer, k, v);
            k = kv[0];
            v = kv[1];
        }
        Tensor a = ScaledDotProductAttention.compute(q, k, v, mask);
        x = x.add(attn.o.forward(a.transpose(1, 2).reshape(b, t, (long) heads * headDim), pass));
        Tensor g = postNorm.forward(x);
        return x.add(mlp.down.forward(torch.silu(mlp.gate.forward(g, pass)).mul(mlp.up.forward(g, pass)), pass));
    }

    /**
     * The linear layers by their name under the block ("self_attn.q_proj", ..., "mlp.down_proj"), in the order
     * {@link LoraConfig#LINEAR_MODULES} lists them.
     */
    java.util.Map<String, Linear> linears() {
        java.util.Map<String, Linear> m = new java.util.LinkedHashMap<>();
        m.put("self_attn.q_proj", attn.q);
        m.put("self_attn.k_proj", attn.k);
        m.put("self_attn.v_proj", attn.v);
        m.put("self_attn.o_proj", attn.o);
        m.put("mlp.gate_proj", mlp.gate);
        m.put("mlp.up_proj", mlp.up);
        m.put("mlp.down_proj", mlp.down);
        return m;
    }

    /** Closes this module's own handles onto its parameters (the module tree keeps its references until closed). */
    void release() {
        for (Linear l : linears().values()) l.release();
        if (attn.qNorm != null) {
            attn.qNorm.release();
            attn.kNorm.release();
        }
        inputNorm.release();
        postNorm.release();
    }

    /** The rotate-half rotary embedding of {@code transformers}: x cos + [-x2, x1] sin. */
    static Tensor rotate(Tensor x, Tensor cos, Tensor sin) {
        long half = x.size(3) / 2;
        Tensor x1 = x.narrow(3, 0, half), x2 = x.narrow(3, half, half);
        Tensor rot = torch.cat(new TensorVector(x2.neg(), x1), 3);
        return x.mul(cos).add(rot.mul(sin));
    }

    static final class Attention extends Module {
        final Linear q, k, v, o;
        final RmsNorm qNorm, kNorm;

        Attention(HfConfig c, Placement p) {
            q = register_module("q_proj", new Linear(c.hiddenSize(), c.qDim(), c.qkvBias(), p));
            k = register_module("k_proj", new Linear(c.hiddenSize(), c.kvDim(), c.qkvBias(), p));
            v = register_module("v_proj", new Linear(c.hiddenSize(), c.kvDim(), c.qkvBias(), p));
            o = register_module("o_proj", new Linear(c.qDim(), c.hiddenSize(), c.outBias(), p));
            qNorm = c.qkNorm() ? register_module("q_norm", new RmsNorm(c.headDim(), c.rmsNormEps(), p)) : null;
            kNorm = c.qkNorm() ? register_module("k_norm", new RmsNorm(c.headDim(), c.rmsNormEps(), p)) : null;
        }
    }

    static final class Mlp extends Module {
        final Linear gate, up, down;

        Mlp(HfConfig c, Placement p) {
            gate = register_module("gate_proj", new Linear(c.hiddenSize(), c.intermediateSize(), c.mlpBias(), p));
            up = register_module("up_proj", new Linear(c.hiddenSize(), c.intermediateSize(), c.mlpBias(), p));
            down = register_module("down_proj", new Linear(c.intermediateSize(), c.hiddenSize(), c.mlpBias(), p));
        }
    }
}
