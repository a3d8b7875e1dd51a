package org.eapo4j.hf;

/**
 * The Llama-family decoder equations evaluated in float64 with plain arrays, written apart from the model code: one
 * unpadded sequence at positions 0..T-1. It reads the weights of a {@link TinyCheckpoint} (or any name -> values map
 * with the transformers names) and the spec's hyper-parameters.
 */
final class DecoderReference {
    private final TinyCheckpoint ck;
    private final TinyCheckpoint.Spec s;
    private final java.util.Map<String, Lora> lora;

    /**
     * A LoRA adapter of one linear layer: y = W x + b + scaling * B (A x), A [r, in] and B [out, r] row-major.
     */
    record Lora(int r, double[] a, double[] b, double scaling) {}

    DecoderReference(TinyCheckpoint ck) {
        this(ck, java.util.Map.of());
    }

    /** With LoRA adapters by full module name ("model.layers.0.self_attn.q_proj"). */
    DecoderReference(TinyCheckpoint ck, java.util.Map<String, Lora> lora) {
        this.ck = ck;
        this.s = ck.spec;
        this.lora = lora;
    }

    /** [T][V] logits of {@code ids}. */
    double[][] logits(long[] ids) {
        int t = ids.length, d = s.hidden, hd = s.headDim();
        double[][] x = new double[t][];
        double[] emb = ck.w("model.embed_tokens.weight");
        for (int i = 0; i < t; i++) x[i] = slice(emb, (int) ids[i] * d, d);
        double[] invFreq = invFreq();
        for (int l = 0; l < s.layers; l++) {
            String p = "model.layers." + l + ".";
            double[][] q = new double[t][], k = new double[t][], v = new double[t][];
            for (int i = 0; i < t; i++) {
                double[] h = rms(x[i], ck.w(p + "input_layernorm.weight"));
                q[i] = proj(h, p + "self_attn.q_proj", s.heads * hd);
                k[i] = proj(h, p + "self_attn.k_proj", s.kvHeads * hd);
                v[i] = proj(h, p + "self_attn.v_proj", s.kvHeads * hd);
                for (int head = 0; head < s.heads; head++)
                    transformHead(q[i], head * hd, hd, s.qkNorm ? ck.w(p + "self_attn.q_norm.weight") : null,
                            i, invFreq);
                for (int head = 0; head < s.kvHeads; head++)
                    transformHead(k[i], head * hd, hd, s.qkNorm ? ck.w(p + "self_attn.k_norm.weight") : null,
                            i, invFreq);
            }
            int group = s.heads / s.kvHeads;
            for (int i = 0; i < t; i++) {
                double[] att = new double[s.heads * hd];
                for (int head = 0; head < s.heads; head++) {
                    int kv = head / group;
                    double[] score = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        double dot = 0;
                        for (int c = 0; c < hd; c++) dot += q[i][head * hd + c] * k[j][kv * hd + c];
                        score[j] = dot / Math.sqrt(hd);
                        max = Math.max(max, score[j]);
                    }
                    double z = 0;
                    for (int j = 0; j <= i; j++) z += (score[j] = Math.exp(score[j] - max));
                    for (int j = 0; j <= i; j++)
                        for (int c = 0; c < hd; c++) att[head * hd + c] += score[j] / z * v[j][kv * hd + c];
                }
                double[] o = proj(att, p + "self_attn.o_proj", d);
                for (int c = 0; c < d; c++) x[i][c] += o[c];
                double[] g = rms(x[i], ck.w(p + "post_attention_layernorm.weight"));
                double[] gate = proj(g, p + "mlp.gate_proj", s.inter);
                double[] up = proj(g, p + "mlp.up_proj", s.inter);
                double[] act = new double[s.inter];
                for (int c = 0; c < s.inter; c++) act[c] = gate[c] / (1 + Math.exp(-gate[c])) * up[c];
                double[] down = proj(act, p + "mlp.down_proj", d);
                for (int c = 0; c < d; c++) x[i][c] += down[c];
            }
        }
        double[] head = s.tied ? emb : ck.w("lm_head.weight");
        double[][] out = new double[t][];
        for (int i = 0; i < t; i++) out[i] = linear(rms(x[i], ck.w("model.norm.weight")), head, null, s.vocab);
        return out;
    }

    /** Optional per-head RMSNorm, then the rotation of pairs (c, c + hd/2) by angle pos * invFreq[c]. */
    private void transformHead(double[] a, int off, int hd, double[] normW, int pos, double[] invFreq) {
        if (normW != null) {
            double[] n = rms(slice(a, off, hd), normW);
            System.arraycopy(n, 0, a, off, hd);
        }
        int half = hd / 2;
        for (int c = 0; c < half; c++) {
            double ang = pos * invFreq[c], cos = Math.cos(ang), sin = Math.sin(ang);
            double x1 = a[off + c], x2 = a[off + c + half];
            a[off + c] = x1 * cos - x2 * sin;
            a[off + c + half] = x2 * cos + x1 * sin;
        }
    }

    /** theta^(-2c/hd), with the llama3 band scaling when the spec has one. */
    private double[] invFreq() {
        int hd = s.headDim();
        double[] f = new double[hd / 2];
        for (int c = 0; c < f.length; c++) {
            f[c] = Math.pow(s.theta, -2.0 * c / hd);
            if (s.llama3 != null) {
                double factor = s.llama3[0], lo = s.llama3[1], hi = s.llama3[2], orig = s.llama3[3];
                double wavelength = 2 * Math.PI / f[c];
                if (wavelength > orig / lo) f[c] /= factor;
                else if (wavelength >= orig / hi) {
                    double a = (orig / wavelength - lo) / (hi - lo);
                    f[c] = a * f[c] + (1 - a) * f[c] / factor;
                }
            }
        }
        return f;
    }

    private double[] rms(double[] x, double[] w) {
        double ss = 0;
        for (double e : x) ss += e * e;
        double r = 1 / Math.sqrt(ss / x.length + s.eps);
        double[] o = new double[x.length];
        for (int i = 0; i < x.length; i++) o[i] = x[i] * r * w[i];
        return o;
    }

    /** The linear layer {@code module} (weight, optional bias, optional LoRA adapter) applied to x. */
    private double[] proj(double[] x, String module, int out) {
        double[] y = linear(x, ck.w(module + ".weight"), ck.w(module + ".bias"), out);
        Lora l = lora.get(module);
        if (l == null) return y;
        double[] ax = linear(x, l.a(), null, l.r());
        double[] bax = linear(ax, l.b(), null, out);
        for (int o = 0; o < out; o++) y[o] += l.scaling() * bax[o];
        return y;
    }

    /** y = W x + b with W [out, in] row-major. */
    private static double[] linear(double[] x, double[] w, double[] b, int out) {
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double acc = b == null ? 0 : b[o];
            for (int i = 0; i < x.length; i++) acc += w[o * x.length + i] * x[i];
            y[o] = acc;
        }
        return y;
    }

    private static double[] slice(double[] a, int off, int n) {
        double[] r = new double[n];
        System.arraycopy(a, off, r, 0, n);
        return r;
    }
}
