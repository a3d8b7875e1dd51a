package org.eapo4j.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.hf.HfConfig;
import org.eapo4j.hf.HfDecoder;
import org.eapo4j.hf.HfModels;

/** The models of the Hugging Face benchmarks: stories260K (or a random one of its shape) and a Qwen2-0.5B shape. */
final class HfModelsForBench {
    private HfModelsForBench() {}

    /** config.json of Qwen2.5-0.5B (hidden 896, 14 heads / 2 KV heads, MLP 4864, vocabulary 151936, tied), N layers. */
    static ObjectNode qwen2HalfB(int layers) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.put("model_type", "qwen2").put("vocab_size", 151936).put("hidden_size", 896).put("intermediate_size", 4864);
        c.put("num_hidden_layers", layers).put("num_attention_heads", 14).put("num_key_value_heads", 2);
        c.put("max_position_embeddings", 32768).put("rms_norm_eps", 1e-6).put("rope_theta", 1000000.0);
        c.put("hidden_act", "silu").put("tie_word_embeddings", true).put("torch_dtype", "float32");
        return c;
    }

    static ObjectNode stories260KShape() {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.put("model_type", "llama").put("vocab_size", 512).put("hidden_size", 64).put("intermediate_size", 172);
        c.put("num_hidden_layers", 5).put("num_attention_heads", 8).put("num_key_value_heads", 4);
        c.put("max_position_embeddings", 512).put("rms_norm_eps", 1e-5).put("tie_word_embeddings", true);
        return c;
    }

    /** The shipped data/models/stories260K above user.dir, or null. */
    static Path storiesDir() {
        for (Path p = Paths.get(System.getProperty("user.dir")).toAbsolutePath(); p != null; p = p.getParent()) {
            Path c = p.resolve("data/models/stories260K").normalize();
            if (Files.isRegularFile(c.resolve("config.json"))) return c;
        }
        return null;
    }

    /** "stories260K" (the real weights when the fixture is there) or "qwen2-0.5b-Nl" (random, N layers). */
    static HfDecoder load(String name, ScalarType dtype) {
        if (name.equals("stories260K")) {
            Path d = storiesDir();
            if (d != null) return HfModels.load(d, dtype, "cpu");
            return HfModels.random(HfConfig.parse(Path.of("stories260K-shape"), stories260KShape()), dtype, "cpu", 1);
        }
        if (name.startsWith("qwen2-0.5b-") && name.endsWith("l")) {
            int layers = Integer.parseInt(name.substring("qwen2-0.5b-".length(), name.length() - 1));
            return HfModels.random(HfConfig.parse(Path.of("qwen2-0.5b-shape"), qwen2HalfB(layers)), dtype, "cpu", 1);
        }
        throw new IllegalArgumentException("unknown benchmark model " + name);
    }
}
