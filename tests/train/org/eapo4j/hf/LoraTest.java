package org.eapo4j.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.kernels.LossAggregation;
import org.eapo4j.kernels.PolicyLossConfig;
import org.eapo4j.kernels.PolicyLossInputs;
import org.eapo4j.kernels.PolicyLossResult;
import org.eapo4j.model.AdamW;
import org.eapo4j.model.CausalLM;
import org.eapo4j.rl.LmHeadPath;
import org.eapo4j.rl.SequenceBatch;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA adapters on the Hugging Face decoders (issue 21): the adapted forward pass against the float64
 * {@link DecoderReference} evaluating W x + b + (alpha / r) B A x apart from the model code; step 0 is the base
 * exactly; gradients reach the adapters only (both head paths); training leaves the base files byte-identical; merge
 * agrees with the unmerged model; an adapter written here in PEFT's exact layout loads and {@link LoraAdapters#save}
 * writes that layout back; the reference view of {@code frozenCopy()} is the base and frees nothing.
 */
class LoraTest {
    @TempDir Path tmp;

    static final long[] PROMPT = {5, 17, 3, 60, 22, 9, 41};
    static final long[][] BATCH = {{1, 403, 11, 29, 7, 300, 88, 2}, {1, 9, 250, 14, 77, 5, 6, 121}};

    // ---- helpers -------------------------------------------------------------------------------------------------

    static float[] logits(CausalLM m, long[][] rows) {
        int b = rows.length, t = rows[0].length;
        long[] ids = new long[b * t], mask = new long[b * t];
        for (int i = 0; i < b; i++) System.arraycopy(rows[i], 0, ids, i * t, t);
        Arrays.fill(mask, 1);
        try (NoGradGuard g = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            return HostTensors.toFloats(m.logits(HostTensors.fromLongs(ids, b, t), HostTensors.fromLongs(mask, b, t)));
        }
    }

    static float[] hidden(CausalLM m, long[][] rows) {
        int b = rows.length, t = rows[0].length;
        long[] ids = new long[b * t], mask = new long[b * t];
        for (int i = 0; i < b; i++) System.arraycopy(rows[i], 0, ids, i * t, t);
        Arrays.fill(mask, 1);
        try (NoGradGuard g = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            return HostTensors.toFloats(m.hiddenStates(HostTensors.fromLongs(ids, b, t),
                    HostTensors.fromLongs(mask, b, t)));
        }
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double w = 0;
        for (int i = 0; i < a.length; i++) w = Math.max(w, Math.abs((double) a[i] - b[i]));
        return w;
    }

    static double maxAbs(float[] a) {
        double w = 0;
        for (float x : a) w = Math.max(w, Math.abs(x));
        return w;
    }

    /** Overwrites every adapter tensor with N(0, std) values (rounded to float); returns them by parameter name. */
    static Map<String, double[]> randomizeAdapters(HfDecoder m, long seed, double std) {
        Random r = new Random(seed);
        Map<String, double[]> out = new LinkedHashMap<>();
        try (NoGradGuard g = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
                Tensor p = e.getValue();
                float[] v = new float[(int) p.numel()];
                double[] d = new double[v.length];
                for (int i = 0; i < v.length; i++) d[i] = v[i] = (float) (std * r.nextGaussian());
                p.copy_(HostTensors.fromFloats(v, HfDecoder.shape(p)));
                out.put(e.getKey(), d);
            }
        }
        return out;
    }

    /** The adapters of {@code values} (parameter name to values) as the reference takes them. */
    static Map<String, DecoderReference.Lora> referenceAdapters(Map<String, double[]> values, int r, double scaling) {
        Map<String, DecoderReference.Lora> out = new LinkedHashMap<>();
        for (String k : values.keySet()) {
            if (!k.endsWith(".lora_A.weight")) continue;
            String module = k.substring(0, k.length() - ".lora_A.weight".length());
            out.put(module, new DecoderReference.Lora(r, values.get(k), values.get(module + ".lora_B.weight"),
                    scaling));
        }
        return out;
    }

    /** max |model - reference| over PROMPT's logits, relative to the largest reference logit (at least 1). */
    static double relativeError(CausalLM m, DecoderReference ref) {
        double[][] want = ref.logits(PROMPT);
        float[] got = logits(m, new long[][] {PROMPT});
        int v = want[0].length;
        double worst = 0, scale = 1;
        for (int t = 0; t < want.length; t++)
            for (int c = 0; c < v; c++) {
                scale = Math.max(scale, Math.abs(want[t][c]));
                worst = Math.max(worst, Math.abs(got[t * v + c] - want[t][c]));
            }
        return worst / scale;
    }

    static TinyCheckpoint tiny(long seed, boolean biases) {
        TinyCheckpoint.Spec s = new TinyCheckpoint.Spec();
        s.seed = seed;
        if (biases) {
            s.type = "qwen2";
            s.qkvBias = true;
            s.tied = true;
        }
        return new TinyCheckpoint(s);
    }

    static byte[] f32(double[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) b.putFloat((float) x);
        return b.array();
    }

    // ---- the forward pass against float64 --------------------------------------------------------------------------

    @Test
    void adaptedForwardMatchesFloat64Reference() throws Exception {
        record Case(boolean biases, LoraConfig config) {}
        for (Case c : List.of(
                new Case(false, new LoraConfig(4, 8, 0.0, List.of("q_proj", "v_proj", "mlp.down_proj"))),
                new Case(true, new LoraConfig(2, 3, 0.0, List.of(LoraConfig.ALL_LINEAR))),
                new Case(false, new LoraConfig(3, 5, 0.0, List.of("model.layers.1.self_attn.o_proj", "up_proj"))))) {
            TinyCheckpoint ck = tiny(21, c.biases());
            Path dir = ck.write(tmp.resolve("base-" + c.config().r()));
            try (HfDecoder m = HfModels.applyLora(HfModels.load(dir, null, "cpu"), c.config(), 7)) {
                Map<String, double[]> values = randomizeAdapters(m, 3, 0.3);
                Map<String, DecoderReference.Lora> adapters = referenceAdapters(values, c.config().r(),
                        c.config().loraAlpha() / c.config().r());
                assertFalse(adapters.isEmpty());
                double err = relativeError(m, new DecoderReference(ck, adapters));
                double withoutAdapters = relativeError(m, new DecoderReference(ck));
                System.out.printf("LoRA %s: max |logit - float64 W x + s B A x| = %.3g of the scale (%.3g without "
                        + "the adapters in the reference)%n", c.config().targetModules(), err, withoutAdapters);
                assertTrue(err <= 2e-5, c + ": relative error " + err);
                assertTrue(withoutAdapters > 1e-2, "the adapters change the logits: " + withoutAdapters);
            }
        }
    }

    /**
     * bfloat16 weights computed in bfloat16: the adapters are float32 (PEFT's autocast_adapter_dtype), and the result
     * is within bfloat16 rounding of the float64 reference; merged into the bfloat16 weights, likewise.
     */
    @Test
    void bf16BaseKeepsFloat32Adapters() throws Exception {
        TinyCheckpoint.Spec s = new TinyCheckpoint.Spec();
        s.seed = 25;
        s.dtype = "BF16";
        TinyCheckpoint ck = new TinyCheckpoint(s);
        Path dir = ck.write(tmp.resolve("bf16"));
        LoraConfig cfg = new LoraConfig(4, 8, 0.0, List.of(LoraConfig.ALL_LINEAR));
        try (HfDecoder m = HfModels.applyLora(HfModels.load(dir, null, "cpu"), cfg, 7)) {
            assertEquals(ScalarType.BFloat16, m.dtype());
            for (Tensor p : m.namedParameters().values()) assertEquals(ScalarType.Float, p.scalar_type().intern());
            Map<String, double[]> values = randomizeAdapters(m, 3, 0.3);
            DecoderReference ref = new DecoderReference(ck, referenceAdapters(values, 4, 2.0));
            double err = relativeError(m, ref);
            System.out.printf("LoRA on bf16: max |logit - float64 reference| = %.3g of the scale%n", err);
            assertTrue(err <= 4e-2, "bf16 relative error " + err);
            LoraAdapters.merge(m);
            double merged = relativeError(m, ref);
            System.out.printf("LoRA merged into bf16 weights: %.3g of the scale%n", merged);
            assertTrue(merged <= 4e-2, "bf16 merged relative error " + merged);
        }
    }

    /** Incremental decoding through the KV cache computes what the full forward pass computes, adapters included. */
    @Test
    void cachedDecodingUsesTheAdapters() throws Exception {
        TinyCheckpoint ck = tiny(26, false);
        Path dir = ck.write(tmp.resolve("base"));
        try (HfDecoder m = HfModels.applyLora(HfModels.load(dir, null, "cpu"), LoraConfig.of(2, 4), 1);
             NoGradGuard g = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            randomizeAdapters(m, 8, 0.3);
            int t = PROMPT.length, split = 4;
            long[] mask = new long[t];
            Arrays.fill(mask, 1);
            float[] full = HostTensors.toFloats(m.logits(HostTensors.fromLongs(PROMPT, 1, t),
                    HostTensors.fromLongs(mask, 1, t)));
            org.eapo4j.model.KvCache cache = m.newCache();
            m.logits(HostTensors.fromLongs(Arrays.copyOf(PROMPT, split), 1, split),
                    HostTensors.fromLongs(Arrays.copyOf(mask, split), 1, split), cache);
            float[] rest = HostTensors.toFloats(m.logits(
                    HostTensors.fromLongs(Arrays.copyOfRange(PROMPT, split, t), 1, t - split),
                    HostTensors.fromLongs(mask, 1, t), cache));
            cache.close();
            float[] tail = Arrays.copyOfRange(full, split * 64, t * 64);
            assertTrue(maxAbsDiff(tail, rest) <= 1e-5 * Math.max(1, maxAbs(tail)), "cached vs full");
            DecoderReference ref = new DecoderReference(ck, Map.of());
            assertTrue(relativeError(m, ref) > 1e-2, "the adapters take part");
        }
    }

    @Test
    void targetsFollowPeftMatchingAndNeverTheHeadOrEmbeddings() throws Exception {
        Path dir = tiny(22, false).write(tmp.resolve("base"));
        try (HfDecoder m = HfModels.applyLora(HfModels.load(dir, null, "cpu"),
                new LoraConfig(2, 4, 0, List.of("self_attn.q_proj", "model.layers.1.mlp.up_proj")), 1)) {
            assertEquals(List.of("model.layers.0.self_attn.q_proj.lora_A.weight",
                    "model.layers.0.self_attn.q_proj.lora_B.weight", "model.layers.1.self_attn.q_proj.lora_A.weight",
                    "model.layers.1.self_attn.q_proj.lora_B.weight", "model.layers.1.mlp.up_proj.lora_A.weight",
                    "model.layers.1.mlp.up_proj.lora_B.weight"), new ArrayList<>(m.namedParameters().keySet()));
        }
        for (String bad : List.of("lm_head", "embed_tokens", "model.norm", "qproj")) {
            try (HfDecoder m = HfModels.load(dir, null, "cpu")) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> HfModels.applyLora(m, new LoraConfig(2, 4, 0, List.of(bad)), 1));
                assertTrue(e.getMessage().startsWith("target_modules: '" + bad + "'"), e.getMessage());
                assertNull(m.lora(), "a refused config leaves the model as it was");
                assertEquals(m.baseParameters().keySet(), m.namedParameters().keySet());
            }
        }
        try (HfDecoder m = HfModels.applyLora(HfModels.load(dir, null, "cpu"), LoraConfig.of(2, 4), 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> HfModels.applyLora(m, LoraConfig.of(2, 4), 1));
            assertTrue(e.getMessage().startsWith("model:"), e.getMessage());
        }
    }

    @Test
    void configValidationNamesTheField() {
        Map<String, Runnable> bad = new LinkedHashMap<>();
        bad.put("r", () -> new LoraConfig(0, 16, 0, List.of("q_proj")));
        bad.put("lora_alpha", () -> new LoraConfig(8, 0, 0, List.of("q_proj")));
        bad.put("lora_alpha ", () -> new LoraConfig(8, Double.NaN, 0, List.of("q_proj")));
        bad.put("lora_dropout", () -> new LoraConfig(8, 16, 1.0, List.of("q_proj")));
        bad.put("lora_dropout ", () -> new LoraConfig(8, 16, -0.1, List.of("q_proj")));
        bad.put("target_modules", () -> new LoraConfig(8, 16, 0, List.of()));
        bad.put("target_modules ", () -> LoraConfig.fromPeftNames(8, 16, 0, "q_proj,,v_proj"));
        bad.put("target_modules  ", () -> LoraConfig.fromPeftNames(8, 16, 0, "all-linear,q_proj"));
        bad.forEach((field, r) -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run, field);
            assertTrue(e.getMessage().startsWith(field.strip()), e.getMessage());
        });
        LoraConfig c = LoraConfig.fromPeftNames(16, 32, 0.05, " q_proj , v_proj");
        assertEquals(List.of("q_proj", "v_proj"), c.targetModules());
        assertEquals(2.0, c.scaling());
        assertTrue(LoraConfig.fromPeftNames(8, 8, 0, null).allLinear());
        assertTrue(LoraConfig.fromPeftNames(8, 8, 0, "all-linear").allLinear());
    }

    // ---- stories260K: step 0, gradients, training, merge, reference view ------------------------------------------

    @Test
    void stepZeroIsTheBaseExactlyAndOnlyAdaptersTrain() {
        Path dir = SharedModels.require("stories260K");
        try (HfDecoder base = HfModels.load(dir, null, "cpu");
             HfDecoder m = HfModels.applyLora(HfModels.load(dir, null, "cpu"), new LoraConfig(4, 8, 0.1,
                     List.of(LoraConfig.ALL_LINEAR)), 5)) {
            float[] want = logits(base, BATCH);
            assertArrayEquals(want, logits(m, BATCH), "eval mode, B = 0");
            m.training(true);   // dropout on the adapters' input only: with B = 0 the output is still the base's
            assertArrayEquals(want, logits(m, BATCH), "training mode with lora_dropout, B = 0");
            m.training(false);
            Map<String, Tensor> params = m.namedParameters();
            assertEquals(5 * 7 * 2, params.size());
            int hidden = 64, inter = 172;
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                Tensor p = e.getValue();
                assertTrue(p.requires_grad(), e.getKey());
                float[] v = HostTensors.toFloats(p);
                String mod = e.getKey().replaceAll(".*\\.(\\w+_proj)\\..*", "$1");
                long in = mod.equals("down_proj") ? inter : mod.equals("o_proj") ? 64 : hidden;
                long out = switch (mod) {
                    case "k_proj", "v_proj" -> 32;
                    case "gate_proj", "up_proj" -> inter;
                    default -> hidden;
                };
                if (e.getKey().endsWith("lora_A.weight")) {
                    assertArrayEquals(new long[] {4, in}, HfDecoder.shape(p), e.getKey());
                    double bound = 1 / Math.sqrt(in);
                    assertTrue(maxAbs(v) <= bound && maxAbs(v) > 0.8 * bound, e.getKey() + ": kaiming-uniform "
                            + "a = sqrt(5) bound " + bound + ", max " + maxAbs(v));
                } else {
                    assertArrayEquals(new long[] {out, 4}, HfDecoder.shape(p), e.getKey());
                    assertEquals(0.0, maxAbs(v), e.getKey() + " starts at zero");
                }
            }
            for (Map.Entry<String, Tensor> e : m.baseParameters().entrySet())
                assertFalse(e.getValue().requires_grad(), e.getKey() + " is frozen");
            // the same seed draws the same adapters
            try (HfDecoder again = HfModels.applyLora(HfModels.load(dir, null, "cpu"), LoraConfig.of(4, 8), 5)) {
                Tensor a = again.namedParameters().get("model.layers.2.mlp.gate_proj.lora_A.weight");
                assertTrue(a.equal(params.get("model.layers.2.mlp.gate_proj.lora_A.weight")));
            }
        }
    }

    /** A policy loss through both head paths: adapter gradients defined and equal, every base gradient undefined. */
    @Test
    void gradientsReachTheAdaptersOnlyThroughBothHeadPaths() {
        Path dir = SharedModels.require("stories260K");
        Map<String, float[]> first = null;
        for (LmHeadPath path : LmHeadPath.values()) {
            try (HfDecoder m = HfModels.applyLora(HfModels.load(dir, null, "cpu"), LoraConfig.of(4, 8), 5);
                 PointerScope scope = new PointerScope()) {
                randomizeAdapters(m, 9, 0.05);
                SequenceBatch b = new SequenceBatch(new int[][] {{1, 403, 11}, {1, 9}},
                        new int[][] {{29, 7, 300, 88}, {250, 14, 77}}, 0);
                PolicyLossConfig cfg = PolicyLossConfig.builder().temperature(0.9).clipHigh(0.28).klBeta(0.1).build();
                float[] lp = path.tokenStats(m, b, cfg.temperature())[0];
                float[] old = new float[lp.length], ref = new float[lp.length], adv = new float[lp.length];
                for (int i = 0; i < lp.length; i++) {
                    old[i] = lp[i] + (i % 2 == 0 ? 0.1f : -0.1f);
                    ref[i] = lp[i] - 0.2f;
                    adv[i] = i % 3 == 0 ? 1f : -0.5f;
                }
                float[] w = new float[lp.length];
                Arrays.fill(w, 1f);
                PolicyLossInputs in = new PolicyLossInputs(b.perToken(old), b.perToken(ref), b.perToken(adv),
                        b.perToken(w), b.perToken(LossAggregation.TOKEN_MEAN.coefficients(b.mask, b.rows, b.tr, b.tr)));
                try (PolicyLossResult r = path.policyLossAndBackward(m, b, in, cfg)) {
                    assertTrue(Double.isFinite(r.loss()));
                }
                Map<String, float[]> grads = new LinkedHashMap<>();
                for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
                    Tensor g = e.getValue().grad();
                    assertTrue(g.defined(), path + ": " + e.getKey() + " has a gradient");
                    grads.put(e.getKey(), HostTensors.toFloats(g));
                    assertTrue(maxAbs(grads.get(e.getKey())) > 0, path + ": " + e.getKey() + " gradient is zero");
                }
                for (Map.Entry<String, Tensor> e : m.baseParameters().entrySet())
                    assertFalse(e.getValue().grad().defined(), path + ": base weight " + e.getKey() + " got a gradient");
                if (first == null) first = grads;
                else for (String k : grads.keySet()) {
                    double scale = maxAbs(first.get(k));
                    assertTrue(maxAbsDiff(first.get(k), grads.get(k)) <= 1e-4 * scale + 1e-9,
                            k + ": fused head vs full logits gradient");
                }
            }
        }
    }

    @Test
    void trainingLeavesTheBaseFilesByteIdenticalAndMergeAgrees() throws Exception {
        Path src = SharedModels.require("stories260K");
        Path dir = Files.createDirectories(tmp.resolve("base"));
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"))
            Files.copy(src.resolve(f), dir.resolve(f));
        Map<String, byte[]> before = new LinkedHashMap<>();
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) before.put(p.getFileName().toString(), Files.readAllBytes(p));
        }
        float[] baseLogits;
        try (HfDecoder base = HfModels.load(dir, null, "cpu")) {
            baseLogits = logits(base, BATCH);
        }
        LoraConfig cfg = new LoraConfig(4, 16, 0.05, List.of("q_proj", "v_proj", "up_proj"));
        Path adapter = tmp.resolve("adapter");
        float[] trained;
        try (HfDecoder m = HfModels.applyLora(HfModels.load(dir, null, "cpu"), cfg, 11)) {
            AdamW opt = new AdamW(m.namedParameters(), 0.01);
            assertEquals(2 * 2 * 5 * 3, opt.stateTensors().size(), "optimizer state for the adapters only");
            m.training(true);
            for (int step = 0; step < 4; step++) {
                try (PointerScope scope = new PointerScope()) {
                    opt.zeroGrad();
                    int b = BATCH.length, t = BATCH[0].length - 1;
                    long[] ids = new long[b * t], tgt = new long[b * t], mask = new long[b * t];
                    for (int i = 0; i < b; i++) {
                        System.arraycopy(BATCH[i], 0, ids, i * t, t);
                        System.arraycopy(BATCH[i], 1, tgt, i * t, t);
                    }
                    Arrays.fill(mask, 1);
                    Tensor lg = m.logits(HostTensors.fromLongs(ids, b, t), HostTensors.fromLongs(mask, b, t));
                    Tensor nll = lg.log_softmax(2).gather(2, HostTensors.fromLongs(tgt, b, t, 1)).mean().neg();
                    nll.backward();
                    opt.step(1e-2);
                }
            }
            m.training(false);
            trained = logits(m, BATCH);
            assertTrue(maxAbsDiff(trained, baseLogits) > 1e-3, "training moved the adapters");
            for (Map.Entry<String, Tensor> e : m.baseParameters().entrySet())
                assertNull(e.getValue().grad().defined() ? e.getKey() : null, "no gradient in base weight");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> HfModels.save(m, tmp.resolve("full")));
            assertTrue(e.getMessage().contains("LoRA"), e.getMessage());
            LoraAdapters.save(m, adapter, dir.toString());
            // the in-memory base weights are still the file's
            try (SafeTensorsFile f = SafeTensorsFile.open(dir.resolve("model.safetensors"))) {
                for (Map.Entry<String, Tensor> w : m.baseParameters().entrySet())
                    try (Tensor want = f.read(w.getKey())) {
                        assertTrue(want.equal(w.getValue()), w.getKey() + " changed in memory");
                    }
            }
        }
        try (var files = Files.list(dir)) {
            List<Path> now = files.toList();
            assertEquals(before.keySet().size(), now.size(), "no file added to the base folder");
            for (Path p : now) assertArrayEquals(before.get(p.getFileName().toString()), Files.readAllBytes(p),
                    p + " is byte-identical");
        }
        // the written adapter reloads to the same model
        float[] reloaded;
        try (HfDecoder m = HfModels.load(dir, adapter, null, "cpu")) {
            assertEquals(cfg, m.lora());
            reloaded = logits(m, BATCH);
            assertArrayEquals(trained, reloaded, "base + saved adapter");
            try (CausalLM view = m.frozenCopy()) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoraAdapters.merge(m));
                assertTrue(e.getMessage().contains("reference view"), e.getMessage());
            }
            LoraAdapters.merge(m);
            assertNull(m.lora());
            float[] merged = logits(m, BATCH);
            double diff = maxAbsDiff(merged, trained), scale = maxAbs(trained);
            System.out.printf("merged vs unmerged fp32 logits: max |diff| = %.3g (logit scale %.3g)%n", diff, scale);
            assertTrue(diff <= 1e-5 * scale, "merged and unmerged logits differ by " + diff + " (scale " + scale + ")");
            HfModels.save(m, tmp.resolve("merged"));
            // W' = W + alpha / r * B A, checked in double from the files
            try (SafeTensorsFile mf = SafeTensorsFile.open(tmp.resolve("merged/model.safetensors"));
                 SafeTensorsFile bf = SafeTensorsFile.open(dir.resolve("model.safetensors"));
                 SafeTensorsFile af = SafeTensorsFile.open(adapter.resolve("adapter_model.safetensors"))) {
                String mod = "model.layers.3.mlp.up_proj";
                float[] w2 = floats(mf, mod + ".weight"), w = floats(bf, mod + ".weight");
                float[] a = floats(af, "base_model.model." + mod + ".lora_A.weight");
                float[] b = floats(af, "base_model.model." + mod + ".lora_B.weight");
                int out = 172, in = 64, r = 4;
                double worst = 0, moved = 0;
                for (int o = 0; o < out; o++)
                    for (int i = 0; i < in; i++) {
                        double ba = 0;
                        for (int k = 0; k < r; k++) ba += (double) b[o * r + k] * a[k * in + i];
                        double want = w[o * in + i] + 16.0 / 4 * ba;
                        worst = Math.max(worst, Math.abs(w2[o * in + i] - want));
                        moved = Math.max(moved, Math.abs(ba));
                    }
                assertTrue(moved > 1e-4, "the adapter is not zero");
                assertTrue(worst <= 1e-6, "merged weight off by " + worst);
                assertArrayEquals(floats(bf, "model.layers.3.mlp.down_proj.weight"),
                        floats(mf, "model.layers.3.mlp.down_proj.weight"), "a module without adapter is unchanged");
            }
            assertTrue(Files.isRegularFile(tmp.resolve("merged/tokenizer.json")));
            try (HfDecoder again = HfModels.load(tmp.resolve("merged"), null, "cpu")) {
                assertArrayEquals(merged, logits(again, BATCH), "the merged folder reloads to the merged model");
            }
        }
    }

    static float[] floats(SafeTensorsFile f, String name) {
        try (Tensor t = f.read(name)) {
            return HostTensors.toFloats(t);
        }
    }

    @Test
    void frozenCopyIsTheBaseAndSharesItsWeights() {
        Path dir = SharedModels.require("stories260K");
        try (HfDecoder base = HfModels.load(dir, null, "cpu");
             HfDecoder m = HfModels.applyLora(HfModels.load(dir, null, "cpu"), LoraConfig.of(8, 8), 2)) {
            randomizeAdapters(m, 4, 0.05);
            float[] adapted = logits(m, BATCH), want = logits(base, BATCH);
            assertTrue(maxAbsDiff(adapted, want) > 1e-3);
            Map<String, Long> pointers = new LinkedHashMap<>();
            m.baseParameters().forEach((k, v) -> pointers.put(k, v.data_ptr().address()));
            CausalLM ref = m.frozenCopy();
            assertFalse(ref instanceof HfDecoder);
            assertArrayEquals(want, logits(ref, BATCH), "the reference view computes the base model");
            assertArrayEquals(hidden(base, BATCH), hidden(ref, BATCH), "hidden states for the fused head");
            m.training(true);   // the policy's mode does not reach the view
            assertArrayEquals(want, logits(ref, BATCH));
            m.training(false);
            assertTrue(ref.namedParameters().isEmpty(), "nothing in the reference trains or is checkpointed");
            try (Tensor hw = ref.headWeight(); Tensor own = m.headWeight()) {
                assertEquals(own.data_ptr().address(), hw.data_ptr().address(), "the head is shared, not copied");
                assertFalse(hw.requires_grad());
            }
            assertThrows(UnsupportedOperationException.class, () -> ref.copyFrom(m));
            try (CausalLM second = ref.frozenCopy()) {
                assertArrayEquals(want, logits(second, BATCH));
            }
            ref.close();
            ref.close();   // idempotent
            assertThrows(IllegalStateException.class, () -> logits(ref, BATCH));
            // closing the view freed nothing: same storage, same values, the policy still computes as before
            m.baseParameters().forEach((k, v) -> assertEquals(pointers.get(k), v.data_ptr().address(), k));
            try (SafeTensorsFile f = SafeTensorsFile.open(dir.resolve("model.safetensors"))) {
                for (Map.Entry<String, Tensor> w : m.baseParameters().entrySet())
                    try (Tensor t = f.read(w.getKey())) {
                        assertTrue(t.equal(w.getValue()), w.getKey());
                    }
            }
            assertArrayEquals(adapted, logits(m, BATCH));
            LoraAdapters.merge(m);   // no view open any more
        }
    }

    @Test
    void dropoutActsOnTheAdapterInputInTrainingModeOnly() {
        Path dir = SharedModels.require("stories260K");
        try (HfDecoder m = HfModels.applyLora(HfModels.load(dir, null, "cpu"),
                new LoraConfig(4, 8, 0.5, List.of(LoraConfig.ALL_LINEAR)), 2)) {
            randomizeAdapters(m, 4, 0.05);
            float[] eval1 = logits(m, BATCH), eval2 = logits(m, BATCH);
            assertArrayEquals(eval1, eval2, "no dropout in evaluation mode (the default)");
            m.training(true);
            float[] train1 = logits(m, BATCH);
            assertTrue(maxAbsDiff(train1, eval1) > 1e-4, "dropout in training mode");
            m.training(false);
            assertArrayEquals(eval1, logits(m, BATCH));
        }
    }

    // ---- PEFT's layout ----------------------------------------------------------------------------------------------

    /** adapter_config.json as PEFT 0.13+ writes it for a causal LM (target_modules: a set, written as a list). */
    static String peftConfig(int r, double alpha, String base, String targets) {
        return """
                {
                  "alpha_pattern": {},
                  "auto_mapping": null,
                  "base_model_name_or_path": "%s",
                  "bias": "none",
                  "eva_config": null,
                  "exclude_modules": null,
                  "fan_in_fan_out": false,
                  "inference_mode": true,
                  "init_lora_weights": true,
                  "layer_replication": null,
                  "layers_pattern": null,
                  "layers_to_transform": null,
                  "loftq_config": {},
                  "lora_alpha": %s,
                  "lora_bias": false,
                  "lora_dropout": 0.05,
                  "megatron_config": null,
                  "megatron_core": "megatron.core",
                  "modules_to_save": null,
                  "peft_type": "LORA",
                  "r": %d,
                  "rank_pattern": {},
                  "revision": null,
                  "target_modules": [%s],
                  "task_type": "CAUSAL_LM",
                  "use_dora": false,
                  "use_rslora": false
                }
                """.formatted(base, alpha, r, targets);
    }

    @Test
    void anAdapterInPeftsLayoutLoadsAndSaveWritesThatLayout() throws Exception {
        TinyCheckpoint ck = tiny(23, true);
        Path dir = ck.write(tmp.resolve("base"));
        int r = 2, hidden = 32, inter = 48, kv = 16;
        double alpha = 5;
        Random rng = new Random(5);
        Map<String, byte[]> data = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, double[]> values = new LinkedHashMap<>();
        for (int l = 0; l < 2; l++)
            for (String[] mod : new String[][] {{"self_attn.o_proj", "32", "32"}, {"self_attn.v_proj", "32", "16"},
                    {"mlp.up_proj", "32", "48"}}) {
                String name = "model.layers." + l + "." + mod[0];
                int in = Integer.parseInt(mod[1]), out = Integer.parseInt(mod[2]);
                double[] a = new double[r * in], b = new double[out * r];
                for (int i = 0; i < a.length; i++) a[i] = (float) (0.3 * rng.nextGaussian());
                for (int i = 0; i < b.length; i++) b[i] = (float) (0.3 * rng.nextGaussian());
                // PEFT's names: base_model.model. + the transformers module name + .lora_A.weight / .lora_B.weight
                data.put("base_model.model." + name + ".lora_A.weight", f32(a));
                shapes.put("base_model.model." + name + ".lora_A.weight", new long[] {r, in});
                data.put("base_model.model." + name + ".lora_B.weight", f32(b));
                shapes.put("base_model.model." + name + ".lora_B.weight", new long[] {out, r});
                values.put(name + ".lora_A.weight", a);
                values.put(name + ".lora_B.weight", b);
            }
        assertEquals(hidden + inter + kv, 96);
        Path adapter = Files.createDirectories(tmp.resolve("peft"));
        Files.writeString(adapter.resolve("adapter_config.json"),
                peftConfig(r, alpha, "tiny/qwen2", "\"up_proj\", \"o_proj\", \"v_proj\""));
        Files.write(adapter.resolve("adapter_model.safetensors"), TinyCheckpoint.safetensors(data, shapes, "F32"));

        DecoderReference ref = new DecoderReference(ck, referenceAdapters(values, r, alpha / r));
        Path resaved = tmp.resolve("resaved");
        try (HfDecoder m = HfModels.load(dir, adapter, null, "cpu")) {
            assertEquals(new LoraConfig(r, alpha, 0.05, List.of("up_proj", "o_proj", "v_proj")), m.lora());
            double err = relativeError(m, ref);
            System.out.printf("PEFT-layout adapter: max |logit - float64 reference| = %.3g of the scale%n", err);
            assertTrue(err <= 2e-5, "relative error " + err);
            LoraAdapters.save(m, resaved, "tiny/qwen2");
        }
        // what save wrote is PEFT's layout: the same names, shapes, dtype and values, and the config fields
        try (SafeTensorsFile orig = SafeTensorsFile.open(adapter.resolve("adapter_model.safetensors"));
             SafeTensorsFile back = SafeTensorsFile.open(resaved.resolve("adapter_model.safetensors"))) {
            assertEquals(orig.entries().keySet(), back.entries().keySet());
            for (String n : orig.entries().keySet()) {
                assertArrayEquals(orig.entry(n).shape(), back.entry(n).shape(), n);
                assertEquals(SafeDtype.F32, back.entry(n).dtype(), n);
                assertArrayEquals(floats(orig, n), floats(back, n), n);
            }
            assertEquals("pt", back.metadata().get("format"));
        }
        JsonNode j = new ObjectMapper().readTree(resaved.resolve("adapter_config.json").toFile());
        assertEquals("LORA", j.get("peft_type").asText());
        assertEquals("CAUSAL_LM", j.get("task_type").asText());
        assertEquals(r, j.get("r").asInt());
        assertTrue(j.get("r").isInt());
        assertEquals(alpha, j.get("lora_alpha").asDouble());
        assertEquals(0.05, j.get("lora_dropout").asDouble());
        assertEquals("none", j.get("bias").asText());
        assertEquals("tiny/qwen2", j.get("base_model_name_or_path").asText());
        assertEquals("[\"up_proj\",\"o_proj\",\"v_proj\"]", j.get("target_modules").toString());
        assertFalse(j.get("fan_in_fan_out").asBoolean());
        assertTrue(j.get("inference_mode").asBoolean());
        try (HfDecoder m = HfModels.load(dir, resaved, null, "cpu")) {
            assertTrue(relativeError(m, ref) <= 2e-5);
        }
        // all-linear is written expanded, as PEFT does
        try (HfDecoder m = HfModels.applyLora(HfModels.load(dir, null, "cpu"), LoraConfig.of(2, 2), 1)) {
            LoraAdapters.save(m, tmp.resolve("all"), null);
        }
        JsonNode all = new ObjectMapper().readTree(tmp.resolve("all/adapter_config.json").toFile());
        assertEquals("[\"q_proj\",\"k_proj\",\"v_proj\",\"o_proj\",\"gate_proj\",\"up_proj\",\"down_proj\"]",
                all.get("target_modules").toString());
        assertTrue(all.get("base_model_name_or_path").isNull());
    }

    @Test
    void adaptersThatDoNotFitAreRefusedByName() throws Exception {
        TinyCheckpoint ck = tiny(24, false);
        Path dir = ck.write(tmp.resolve("base"));
        Path good = tmp.resolve("good");
        try (HfDecoder m = HfModels.applyLora(HfModels.load(dir, null, "cpu"),
                new LoraConfig(2, 4, 0, List.of("q_proj")), 1)) {
            LoraAdapters.save(m, good, null);
        }
        String cfg = Files.readString(good.resolve("adapter_config.json"));
        record Bad(String what, String from, String to) {}
        for (Bad b : List.of(new Bad("use_dora", "\"use_dora\" : false", "\"use_dora\" : true"),
                new Bad("use_rslora", "\"use_rslora\" : false", "\"use_rslora\" : true"),
                new Bad("bias", "\"bias\" : \"none\"", "\"bias\" : \"all\""),
                new Bad("peft_type", "\"peft_type\" : \"LORA\"", "\"peft_type\" : \"IA3\""),
                new Bad("rank_pattern", "\"rank_pattern\" : { }", "\"rank_pattern\" : {\"q_proj\": 4}"),
                new Bad("target_modules", "\"target_modules\" : [ \"q_proj\" ]", "\"target_modules\" : \".*q_proj\""),
                new Bad("exclude_modules", "\"bias\" : \"none\"", "\"bias\" : \"none\", \"exclude_modules\": [\"model.layers.0.self_attn.q_proj\"]"),
                new Bad("modules_to_save", "\"modules_to_save\" : null", "\"modules_to_save\" : [\"lm_head\"]"),
                new Bad("model.layers.0.self_attn.q_proj.lora_A.weight", "\"r\" : 2", "\"r\" : 3"),
                new Bad("k_proj", "\"target_modules\" : [ \"q_proj\" ]", "\"target_modules\" : [ \"q_proj\", \"k_proj\" ]"))) {
            assertTrue(cfg.contains(b.from()), b.from() + " in " + cfg);
            Path d = Files.createDirectories(tmp.resolve("bad-" + b.what().replace('.', '-')));
            Files.writeString(d.resolve("adapter_config.json"), cfg.replace(b.from(), b.to()));
            Files.copy(good.resolve("adapter_model.safetensors"), d.resolve("adapter_model.safetensors"));
            HfFormatException e = assertThrows(HfFormatException.class, () -> HfModels.load(dir, d, null, "cpu"),
                    b.what());
            assertTrue(e.getMessage().contains(b.what()), b.what() + ": " + e.getMessage());
        }
        // an extra tensor in the file
        Path extra = Files.createDirectories(tmp.resolve("extra"));
        Files.copy(good.resolve("adapter_config.json"), extra.resolve("adapter_config.json"));
        Map<String, byte[]> data = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (String n : List.of("model.layers.0.self_attn.q_proj", "model.layers.1.self_attn.q_proj",
                "model.layers.1.self_attn.k_proj")) {
            data.put("base_model.model." + n + ".lora_A.weight", f32(new double[2 * 32]));
            shapes.put("base_model.model." + n + ".lora_A.weight", new long[] {2, 32});
            int out = n.endsWith("k_proj") ? 16 : 32;
            data.put("base_model.model." + n + ".lora_B.weight", f32(new double[out * 2]));
            shapes.put("base_model.model." + n + ".lora_B.weight", new long[] {out, 2});
        }
        Files.write(extra.resolve("adapter_model.safetensors"), TinyCheckpoint.safetensors(data, shapes, "F32"));
        HfFormatException e = assertThrows(HfFormatException.class, () -> HfModels.load(dir, extra, null, "cpu"));
        assertTrue(e.getMessage().contains("unexpected tensor 'base_model.model.model.layers.1.self_attn.k_proj"),
                e.getMessage());
        assertNotNull(e.getMessage());
    }
}
