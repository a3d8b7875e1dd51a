package org.eapo4j.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken files and configs: a one-line HfFormatException naming the file and the tensor or key, never a crash. */
class BadInputTest {
    @TempDir Path tmp;

    static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return b.array();
    }

    Path file(String name, byte[] content) throws Exception {
        Path p = tmp.resolve(name);
        Files.write(p, content);
        return p;
    }

    static HfFormatException fails(Runnable r, String... fragments) {
        HfFormatException e = assertThrows(HfFormatException.class, r::run);
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
        return e;
    }

    @Test
    void readsWhatTheTestWriterWrote() throws Exception {
        Map<String, byte[]> data = new LinkedHashMap<>();
        data.put("a", floats(1, 2, 3, 4, 5, 6));
        data.put("b", floats(-1.5f));
        Path p = file("ok.safetensors", TinyCheckpoint.safetensors(data, Map.of("a", new long[] {2, 3},
                "b", new long[] {}), "F32"));
        try (SafeTensorsFile f = SafeTensorsFile.open(p); Tensor a = f.read("a"); Tensor b = f.read("b")) {
            assertEquals(List.of("a", "b"), List.copyOf(f.entries().keySet()));
            assertArrayEquals(new long[] {2, 3}, f.entry("a").shape());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, HostTensors.toFloats(a));
            assertArrayEquals(new float[] {-1.5f}, HostTensors.toFloats(b));
        }
    }

    @Test
    void writerRoundTripsEveryFloatDtype() throws Exception {
        float[] v = {1, -2.5f, 3.25f, 1e-3f, 7};
        for (SafeDtype dt : new SafeDtype[] {SafeDtype.F32, SafeDtype.BF16, SafeDtype.F16}) {
            Path p = tmp.resolve(dt + ".safetensors");
            try (Tensor src = HostTensors.fromFloats(v, 5); Tensor typed = src.to(dt.scalarType)) {
                SafeTensorsWriter.write(p, Map.of("x", typed), Map.of("format", "pt"));
                try (SafeTensorsFile f = SafeTensorsFile.open(p); Tensor back = f.read("x")) {
                    assertEquals(dt, f.entry("x").dtype());
                    assertEquals("pt", f.metadata().get("format"));
                    assertArrayEquals(HostTensors.toFloats(typed), HostTensors.toFloats(back), dt.toString());
                }
            }
            assertEquals(0, (Files.size(p) - 8 - 5L * dt.bytes) % 8, "header padded to 8 bytes");
        }
    }

    @Test
    void brokenSafetensorsFiles() throws Exception {
        byte[] good = TinyCheckpoint.safetensors(Map.of("w", floats(1, 2, 3, 4)), Map.of("w", new long[] {2, 2}), "F32");
        fails(() -> SafeTensorsFile.open(tmp.resolve("absent.safetensors")), "absent.safetensors", "not found");
        Path empty = file("empty.safetensors", new byte[3]);
        fails(() -> SafeTensorsFile.open(empty), "empty.safetensors", "8-byte");
        Path truncated = file("truncated.safetensors", Arrays.copyOf(good, good.length - 4));
        fails(() -> SafeTensorsFile.open(truncated), "truncated.safetensors", "'w'", "past the end");
        Path trailing = file("trailing.safetensors", Arrays.copyOf(good, good.length + 8));
        fails(() -> SafeTensorsFile.open(trailing), "trailing.safetensors", "holds");
        byte[] lyingLength = good.clone();
        ByteBuffer.wrap(lyingLength).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        Path lying = file("lying.safetensors", lyingLength);
        fails(() -> SafeTensorsFile.open(lying), "lying.safetensors", "header length");
        byte[] tooLong = good.clone();
        ByteBuffer.wrap(tooLong).order(ByteOrder.LITTLE_ENDIAN).putLong(0, good.length);
        Path beyond = file("beyond.safetensors", tooLong);
        fails(() -> SafeTensorsFile.open(beyond), "beyond.safetensors", "does not fit");
        Path notJson = file("notjson.safetensors", TinyCheckpoint.image("{\"w\": [", List.of()));
        fails(() -> SafeTensorsFile.open(notJson), "notjson.safetensors", "JSON");
    }

    @Test
    void headersThatLie() throws Exception {
        byte[] d = floats(1, 2, 3, 4);
        String[][] cases = {
            {"{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,16]}}", "needs 24"},
            {"{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,32]}}", "span 32"},
            {"{\"w\":{\"dtype\":\"Q4\",\"shape\":[4],\"data_offsets\":[0,16]}}", "unsupported dtype Q4"},
            {"{\"w\":{\"dtype\":\"F32\",\"shape\":[-4],\"data_offsets\":[0,16]}}", "bad shape"},
            {"{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[16,0]}}", "bad data_offsets"},
            {"{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"v\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", "overlaps"},
            {"{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", "Duplicate"},
            {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}}", "gap"},
            {"{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,16]}}", "overflows"},
        };
        for (String[] c : cases) {
            Path p = file("lie.safetensors", TinyCheckpoint.image(c[0], List.of(d)));
            fails(() -> SafeTensorsFile.open(p), "lie.safetensors", c[1]);
        }
    }

    /** A valid tiny llama checkpoint with one change made to it. */
    Path modified(String name, Consumer<TinyCheckpoint> change, Consumer<ObjectNode> configChange) throws Exception {
        TinyCheckpoint.Spec s = new TinyCheckpoint.Spec();
        TinyCheckpoint ck = new TinyCheckpoint(s);
        if (change != null) change.accept(ck);
        Path dir = ck.write(tmp.resolve(name));
        if (configChange != null) {
            ObjectNode c = s.config();
            configChange.accept(c);
            new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), c);
        }
        return dir;
    }

    @Test
    void checkpointsThatDoNotMatchTheConfig() throws Exception {
        Path missing = modified("missing", ck -> ck.weights.remove("model.layers.1.mlp.up_proj.weight"), null);
        fails(() -> HfModels.load(missing), "model.safetensors", "'model.layers.1.mlp.up_proj.weight'", "missing");
        Path unexpected = modified("unexpected", ck -> ck.weights.put("model.layers.0.self_attn.q_proj.bias",
                new TinyCheckpoint.Weight(new long[] {32}, new double[32])), null);
        fails(() -> HfModels.load(unexpected), "unexpected tensor 'model.layers.0.self_attn.q_proj.bias'");
        Path shape = modified("shape", null, c -> c.put("intermediate_size", 40));
        fails(() -> HfModels.load(shape), "'model.layers.0.mlp.gate_proj.weight'", "[48, 32]", "[40, 32]");
        Path dtype = modified("dtype", null, c -> c.put("torch_dtype", "bfloat16"));
        fails(() -> HfModels.load(dtype), "'model.embed_tokens.weight' is F32", "bfloat16");
        Path noCfg = modified("nocfg", null, null);
        Files.delete(noCfg.resolve("config.json"));
        fails(() -> HfModels.load(noCfg), "config.json", "not found");
        Path noWeights = modified("noweights", null, null);
        Files.delete(noWeights.resolve("model.safetensors"));
        fails(() -> HfModels.load(noWeights), "no weights");
    }

    @Test
    void unsupportedConfigs() throws Exception {
        Object[][] cases = {
            {"model_type", "gpt2", "model_type 'gpt2' is not supported"},
            {"hidden_act", "gelu", "hidden_act 'gelu'"},
            {"num_key_value_heads", 3, "not a multiple"},
            {"vocab_size", -5, "vocab_size must be a positive integer"},
        };
        for (Object[] c : cases) {
            Path dir = modified("cfg" + c[0], null, cfg -> {
                if (c[1] instanceof String str) cfg.put((String) c[0], str);
                else cfg.put((String) c[0], (Integer) c[1]);
            });
            fails(() -> HfModels.load(dir), "config.json", (String) c[2]);
        }
        Path yarn = modified("yarn", null, c -> c.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 4));
        fails(() -> HfModels.load(yarn), "config.json", "rope_scaling type 'yarn' is not supported");
        Path notJson = modified("badjson", null, null);
        Files.writeString(notJson.resolve("config.json"), "{\"model_type\": ");
        fails(() -> HfModels.load(notJson), "config.json", "not valid JSON");
    }

    @Test
    void shardsThatDisagreeWithTheIndex() throws Exception {
        TinyCheckpoint.Spec s = new TinyCheckpoint.Spec();
        s.shards = 2;
        TinyCheckpoint ck = new TinyCheckpoint(s);
        Path dir = ck.write(tmp.resolve("sharded"));
        ObjectNode index = (ObjectNode) new ObjectMapper().readTree(dir.resolve("model.safetensors.index.json").toFile());
        ObjectNode map = (ObjectNode) index.get("weight_map");
        map.put("model.norm.weight", "model-00001-of-00002.safetensors");   // it is in shard 2
        new ObjectMapper().writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
        fails(() -> HfModels.load(dir), "model-00001-of-00002.safetensors", "'model.norm.weight'", "missing");
        map.put("model.norm.weight", "model-00003-of-00002.safetensors");
        new ObjectMapper().writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
        fails(() -> HfModels.load(dir), "model-00003-of-00002.safetensors", "not found");
        map.remove("model.norm.weight");
        new ObjectMapper().writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
        fails(() -> HfModels.load(dir), "model-00002-of-00002.safetensors", "'model.norm.weight' is not in");
    }

    @Test
    void saveRefusesWhatItCannotWrite() throws Exception {
        org.eapo4j.model.TransformerLM tiny = new org.eapo4j.model.TransformerLM(
                new org.eapo4j.model.ModelConfig(16, 8, 1, 2, 16, 8));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HfModels.save(tiny, tmp.resolve("x")));
        assertTrue(e.getMessage().startsWith("model:"), e.getMessage());
        tiny.close();
        TinyCheckpoint.Spec s = new TinyCheckpoint.Spec();
        s.shards = 2;
        Path dir = new TinyCheckpoint(s).write(tmp.resolve("sharded-save"));
        try (org.eapo4j.model.CausalLM m = HfModels.load(dir)) {
            fails(() -> HfModels.save(m, dir), "already holds");
        }
    }

    @Test
    void brokenTokenizerFolders() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("tok"));
        fails(() -> HfTokenizer.load(dir), "tokenizer.json", "not found");
        Files.writeString(dir.resolve("tokenizer.json"), "{\"version\":\"1.0\",\"model\":{\"type\":\"Foo\",\"vocab\":{}}}");
        fails(() -> HfTokenizer.load(dir), "tokenizer.json", "unknown tokenizer model type 'Foo'");
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": ");
        fails(() -> HfTokenizer.load(dir), "tokenizer.json", "not valid JSON");
        // a known type whose content the tokenizers library rejects
        Files.writeString(dir.resolve("tokenizer.json"), "{\"version\":\"1.0\",\"model\":{\"type\":\"BPE\","
                + "\"vocab\":{\"a\":0},\"merges\":17}}");
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": 0}");
        fails(() -> HfTokenizer.load(dir), "tokenizer.json", "cannot load");
    }
}
