package org.eapo4j.hf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Small random Hugging Face checkpoints that the tests write themselves, with their own safetensors writer (not the
 * one under test) and the tensor names and shapes written out here from the transformers layout. The weights are kept
 * as doubles (already rounded to the file's dtype) for {@link DecoderReference}.
 */
final class TinyCheckpoint {
    /** What the test wants: a config.json and the matching random weights. */
    static final class Spec {
        String type = "llama";
        int vocab = 64, hidden = 32, inter = 48, layers = 2, heads = 4, kvHeads = 2, maxPos = 128;
        Integer headDim;            // written to config.json when set
        boolean qkvBias, outBias, mlpBias, qkNorm, tied;
        boolean attentionBiasKey;   // write "attention_bias": true (llama, qwen3)
        double eps = 1e-6, theta = 10000;
        double[] llama3;            // factor, low_freq_factor, high_freq_factor, original_max_position_embeddings
        String dtype = "F32";       // F32 or BF16
        int shards = 1;
        long seed = 1;

        int headDim() {
            return headDim != null ? headDim : hidden / heads;
        }

        ObjectNode config() {
            ObjectNode c = new ObjectMapper().createObjectNode();
            c.put("model_type", type);
            c.put("vocab_size", vocab).put("hidden_size", hidden).put("intermediate_size", inter);
            c.put("num_hidden_layers", layers).put("num_attention_heads", heads).put("num_key_value_heads", kvHeads);
            c.put("max_position_embeddings", maxPos).put("rms_norm_eps", eps).put("rope_theta", theta);
            c.put("hidden_act", "silu").put("tie_word_embeddings", tied);
            c.put("torch_dtype", dtype.equals("BF16") ? "bfloat16" : "float32");
            if (headDim != null) c.put("head_dim", headDim);
            if (attentionBiasKey) c.put("attention_bias", true);
            if (mlpBias) c.put("mlp_bias", true);
            if (llama3 != null) {
                ObjectNode s = c.putObject("rope_scaling");
                s.put("rope_type", "llama3").put("factor", llama3[0]).put("low_freq_factor", llama3[1])
                        .put("high_freq_factor", llama3[2]).put("original_max_position_embeddings", llama3[3]);
            }
            return c;
        }
    }

    record Weight(long[] shape, double[] values) {}

    final Spec spec;
    final Map<String, Weight> weights = new LinkedHashMap<>();

    TinyCheckpoint(Spec s) {
        spec = s;
        Random r = new Random(s.seed);
        int qd = s.heads * s.headDim(), kvd = s.kvHeads * s.headDim();
        add(r, "model.embed_tokens.weight", 0.5, 0, s.vocab, s.hidden);
        for (int l = 0; l < s.layers; l++) {
            String p = "model.layers." + l + ".";
            add(r, p + "self_attn.q_proj.weight", 0.3, 0, qd, s.hidden);
            add(r, p + "self_attn.k_proj.weight", 0.3, 0, kvd, s.hidden);
            add(r, p + "self_attn.v_proj.weight", 0.3, 0, kvd, s.hidden);
            add(r, p + "self_attn.o_proj.weight", 0.3, 0, s.hidden, qd);
            if (s.qkvBias) {
                add(r, p + "self_attn.q_proj.bias", 0.2, 0, qd);
                add(r, p + "self_attn.k_proj.bias", 0.2, 0, kvd);
                add(r, p + "self_attn.v_proj.bias", 0.2, 0, kvd);
            }
            if (s.outBias) add(r, p + "self_attn.o_proj.bias", 0.2, 0, s.hidden);
            if (s.qkNorm) {
                add(r, p + "self_attn.q_norm.weight", 0.2, 1, s.headDim());
                add(r, p + "self_attn.k_norm.weight", 0.2, 1, s.headDim());
            }
            add(r, p + "mlp.gate_proj.weight", 0.3, 0, s.inter, s.hidden);
            add(r, p + "mlp.up_proj.weight", 0.3, 0, s.inter, s.hidden);
            add(r, p + "mlp.down_proj.weight", 0.3, 0, s.hidden, s.inter);
            if (s.mlpBias) {
                add(r, p + "mlp.gate_proj.bias", 0.2, 0, s.inter);
                add(r, p + "mlp.up_proj.bias", 0.2, 0, s.inter);
                add(r, p + "mlp.down_proj.bias", 0.2, 0, s.hidden);
            }
            add(r, p + "input_layernorm.weight", 0.2, 1, s.hidden);
            add(r, p + "post_attention_layernorm.weight", 0.2, 1, s.hidden);
        }
        add(r, "model.norm.weight", 0.2, 1, s.hidden);
        if (!s.tied) add(r, "lm_head.weight", 0.5, 0, s.vocab, s.hidden);
    }

    private void add(Random r, String name, double std, double mean, long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            float f = (float) (mean + std * r.nextGaussian());
            v[i] = spec.dtype.equals("BF16") ? bf16(f) : f;
        }
        weights.put(name, new Weight(shape, v));
    }

    /** float -> bfloat16 with round-to-nearest-even, returned as the float it represents. */
    static float bf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        bits += 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(bits & 0xFFFF0000);
    }

    double[] w(String name) {
        Weight x = weights.get(name);
        return x == null ? null : x.values();
    }

    /** Writes config.json and the weights (sharded when spec.shards > 1) into dir. */
    Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), spec.config());
        List<String> names = new ArrayList<>(weights.keySet());
        if (spec.shards == 1) {
            writeSafetensors(dir.resolve("model.safetensors"), names);
            return dir;
        }
        ObjectNode index = new ObjectMapper().createObjectNode();
        index.putObject("metadata").put("total_size", 0);
        ObjectNode map = index.putObject("weight_map");
        int per = (names.size() + spec.shards - 1) / spec.shards;
        for (int s = 0; s < spec.shards; s++) {
            String file = String.format("model-%05d-of-%05d.safetensors", s + 1, spec.shards);
            List<String> part = names.subList(Math.min(names.size(), s * per), Math.min(names.size(), (s + 1) * per));
            writeSafetensors(dir.resolve(file), part);
            for (String n : part) map.put(n, file);
        }
        new ObjectMapper().writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
        return dir;
    }

    private void writeSafetensors(Path file, List<String> names) throws IOException {
        Map<String, byte[]> data = new LinkedHashMap<>();
        for (String n : names) data.put(n, bytes(weights.get(n).values()));
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (String n : names) shapes.put(n, weights.get(n).shape());
        Files.write(file, safetensors(data, shapes, spec.dtype));
    }

    private byte[] bytes(double[] v) {
        boolean bf = spec.dtype.equals("BF16");
        ByteBuffer b = ByteBuffer.allocate(v.length * (bf ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) {
            if (bf) b.putShort((short) (Float.floatToRawIntBits((float) x) >>> 16));
            else b.putFloat((float) x);
        }
        return b.array();
    }

    /** A safetensors file image: 8-byte length, JSON header, data in the map's order. */
    static byte[] safetensors(Map<String, byte[]> data, Map<String, long[]> shapes, String dtype) {
        ObjectNode h = new ObjectMapper().createObjectNode();
        long off = 0;
        for (Map.Entry<String, byte[]> e : data.entrySet()) {
            ObjectNode o = h.putObject(e.getKey());
            o.put("dtype", dtype);
            ArrayNode sh = o.putArray("shape");
            for (long d : shapes.get(e.getKey())) sh.add(d);
            o.putArray("data_offsets").add(off).add(off + e.getValue().length);
            off += e.getValue().length;
        }
        return image(h.toString(), data.values());
    }

    /** 8-byte length + the header text as given + the data blocks. */
    static byte[] image(String header, Iterable<byte[]> blocks) {
        byte[] hb = header.getBytes(StandardCharsets.UTF_8);
        int total = 8 + hb.length;
        for (byte[] b : blocks) total += b.length;
        ByteBuffer out = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(hb.length).put(hb);
        for (byte[] b : blocks) out.put(b);
        return out.array();
    }
}
