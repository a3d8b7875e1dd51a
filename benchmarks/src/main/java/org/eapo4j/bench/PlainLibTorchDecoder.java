package org.eapo4j.bench;

import java.util.Map;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.hf.HfConfig;
import org.eapo4j.tensors.HostTensors;

/**
 * The baseline of the generation benchmark: the same decoder forward written as plain LibTorch calls over the
 * model's parameter tensors, greedy with a KV cache, for prompts of one length (no padding, no mask, positions
 * 0..T-1, arg-max on the tensor). What the model classes add (masks from padding, position ids from the mask, host
 * sampling, checks) is the difference the benchmark shows.
 */
final class PlainLibTorchDecoder {
    private final HfConfig c;
    private final Map<String, Tensor> p;
    private final Tensor invFreq;

    PlainLibTorchDecoder(HfConfig c, Map<String, Tensor> params) {
        this.c = c;
        this.p = params;
        float[] f = new float[c.headDim() / 2];
        for (int i = 0; i < f.length; i++) f[i] = (float) Math.pow(c.ropeTheta(), -2.0 * i / c.headDim());
        invFreq = HostTensors.fromFloats(f, f.length);
    }

    /** Greedy continuation of {@code prompt} [B, T] by {@code newTokens}: the [B, newTokens] ids. */
    long[] greedy(long[] prompt, int b, int t, int newTokens) {
        Tensor[] keys = new Tensor[c.numLayers()], values = new Tensor[c.numLayers()];
        long[] out = new long[b * newTokens];
        try (PointerScope scope = new PointerScope()) {
            Tensor ids = HostTensors.fromLongs(prompt, b, t);
            int past = 0;
            for (int step = 0; step < newTokens; step++) {
                Tensor logits = forward(ids, past, keys, values);
                past += (int) ids.size(1);
                Tensor next = logits.select(1, logits.size(1) - 1).argmax(new LongOptional(1), true);   // [B, 1]
                long[] n = HostTensors.toLongs(next);
                for (int i = 0; i < b; i++) out[i * newTokens + step] = n[i];
                ids = next;
            }
        }
        return out;
    }

    private Tensor w(String name) {
        return p.get(name);
    }

    private Tensor linear(Tensor x, String name) {
        Tensor bias = p.get(name + ".bias");
        return bias == null ? torch.linear(x, w(name + ".weight")) : torch.linear(x, w(name + ".weight"), bias);
    }

    private Tensor rms(Tensor x, String name) {
        Tensor var = x.pow(new Scalar(2.0)).mean(new long[] {-1}, true, null);
        return w(name).mul(x.mul(var.add(new Scalar(c.rmsNormEps())).rsqrt()));
    }

    private static Tensor rotate(Tensor x, Tensor cos, Tensor sin) {
        long half = x.size(3) / 2;
        Tensor rot = torch.cat(new TensorVector(x.narrow(3, half, half).neg(), x.narrow(3, 0, half)), 3);
        return x.mul(cos).add(rot.mul(sin));
    }

    private Tensor forward(Tensor ids, int past, Tensor[] keys, Tensor[] values) {
        long b = ids.size(0), t = ids.size(1);
        int h = c.numHeads(), kv = c.numKvHeads(), hd = c.headDim();
        Tensor pos = torch.arange(new Scalar(past), new Scalar(past + t)).to(ScalarType.Float);
        Tensor freqs = pos.unsqueeze(1).mul(invFreq);
        Tensor emb = torch.cat(new TensorVector(freqs, freqs), 1);
        Tensor cos = emb.cos().view(1, 1, t, hd), sin = emb.sin().view(1, 1, t, hd);
        Tensor x = torch.embedding(w("model.embed_tokens.weight"), ids);
        for (int l = 0; l < c.numLayers(); l++) {
            String pre = "model.layers." + l + ".";
            Tensor a = rms(x, pre + "input_layernorm.weight");
            Tensor q = rotate(linear(a, pre + "self_attn.q_proj").view(b, t, h, hd).transpose(1, 2), cos, sin);
            Tensor k = rotate(linear(a, pre + "self_attn.k_proj").view(b, t, kv, hd).transpose(1, 2), cos, sin);
            Tensor v = linear(a, pre + "self_attn.v_proj").view(b, t, kv, hd).transpose(1, 2);
            if (keys[l] != null) {
                k = torch.cat(new TensorVector(keys[l], k), 2);
                v = torch.cat(new TensorVector(values[l], v), 2);
            }
            keys[l] = k;
            values[l] = v;
            Tensor o = torch.scaled_dot_product_attention(q, k, v, new TensorOptional(), 0.0, t > 1,
                    new DoubleOptional(), kv != h);
            x = x.add(linear(o.transpose(1, 2).reshape(b, t, (long) h * hd), pre + "self_attn.o_proj"));
            Tensor g = rms(x, pre + "post_attention_layernorm.weight");
            x = x.add(linear(torch.silu(linear(g, pre + "mlp.gate_proj")).mul(linear(g, pre + "mlp.up_proj")),
                    pre + "mlp.down_proj"));
        }
        Tensor head = c.tieEmbeddings() ? w("model.embed_tokens.weight") : w("lm_head.weight");
        return torch.linear(rms(x, "model.norm.weight"), head);
    }
}
