package org.eapo4j.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.model.CausalLM;
import org.eapo4j.model.CausalLMGenerator;
import org.eapo4j.model.Generation;
import org.eapo4j.model.Sampler;
import org.eapo4j.model.SamplingConfig;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** karpathy's stories260K in the Hugging Face Llama layout against the published facts in its expected.json. */
class Stories260KTest {
    static Path dir;
    static JsonNode expected;
    static CausalLM model;
    static HfTokenizer tok;

    @TempDir Path tmp;

    @BeforeAll
    static void fixture() throws Exception {
        dir = SharedModels.require("stories260K");
        expected = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
        model = HfModels.load(dir);
        tok = HfTokenizer.load(dir);
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
        if (tok != null) tok.close();
    }

    static long[] longs(JsonNode a) {
        long[] r = new long[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asLong();
        return r;
    }

    static long[] ones(int n) {
        long[] a = new long[n];
        Arrays.fill(a, 1);
        return a;
    }

    /** [T, V] logits of one unpadded sequence, as floats. */
    static float[] logitsOf(CausalLM m, long[] seq) {
        try (NoGradGuard g = new NoGradGuard(); PointerScope s = new PointerScope()) {
            return HostTensors.toFloats(m.logits(HostTensors.fromLongs(seq, 1, seq.length),
                    HostTensors.fromLongs(ones(seq.length), 1, seq.length)).to(ScalarType.Float));
        }
    }

    /** Greedy decoding by full recomputation at each step: the simplest use of logits(ids, mask). */
    @Test
    void greedyFromBosByRecomputationMatchesPublishedIds() {
        long[] want = longs(expected.get("greedy_from_bos_ids"));
        long[] seq = {1};
        int v = model.vocabSize();
        while (seq.length < want.length) {
            float[] l = logitsOf(model, seq);
            int best = 0;
            for (int c = 1; c < v; c++) if (l[(seq.length - 1) * v + c] > l[(seq.length - 1) * v + best]) best = c;
            seq = Arrays.copyOf(seq, seq.length + 1);
            seq[seq.length - 1] = best;
        }
        assertArrayEquals(want, seq);
    }

    /** The generator with its KV cache, greedy: the same 255 continuation tokens, and the published text. */
    @Test
    void cachedGreedyGeneratorMatchesPublishedIdsAndText() {
        long[] want = longs(expected.get("greedy_from_bos_ids"));
        // no EOS stop: the published continuation is a fixed 256 tokens
        Generation g = new CausalLMGenerator(model, new long[] {-1}, 0)
                .generate(new long[][] {{1}}, SamplingConfig.greedy(want.length - 1), null);
        long[] got = Arrays.stream(g.responses()[0]).asLongStream().toArray();
        assertArrayEquals(Arrays.copyOfRange(want, 1, want.length), got);
        assertEquals(expected.get("greedy_from_bos_text").asText(), tok.decode(want));
    }

    @Test
    void firstStepTop5Logits() {
        float[] l = logitsOf(model, new long[] {1});
        Integer[] order = new Integer[l.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Float.compare(l[b], l[a]));
        JsonNode top = expected.get("first_step_top5");
        for (int i = 0; i < 5; i++) {
            assertEquals(top.get(i).get(0).asInt(), order[i], "rank " + i);
            assertEquals(top.get(i).get(1).asDouble(), l[order[i]], 1e-4, "logit of rank " + i);
        }
    }

    @Test
    void logProbsOfGreedyTokensMatchFloat64Reference() {
        long[] ids = longs(expected.get("greedy_from_bos_ids"));
        JsonNode want = expected.get("logprobs_of_greedy_ids_1_to_32");
        long[] seq = Arrays.copyOf(ids, want.size() + 1);
        float[] l = logitsOf(model, seq);
        int v = model.vocabSize();
        double worst = 0;
        for (int i = 0; i < want.size(); i++) {
            double max = Double.NEGATIVE_INFINITY, z = 0;
            for (int c = 0; c < v; c++) max = Math.max(max, l[i * v + c]);
            for (int c = 0; c < v; c++) z += Math.exp(l[i * v + c] - max);
            double lp = l[i * v + (int) seq[i + 1]] - max - Math.log(z);
            worst = Math.max(worst, Math.abs(lp - want.get(i).asDouble()));
        }
        // the reference is rounded to 6 decimals
        assertTrue(worst < 2e-5, "max |log p - reference| = " + worst);
    }

    /** Rows padded left and right give the logits of each sequence alone. */
    @Test
    void paddedRowsEqualTheSequenceAlone() {
        long[][] seqs = {{1, 403, 407, 261, 378, 432}, {1, 385, 317}, {1}};
        int v = model.vocabSize(), width = 6;
        for (boolean left : new boolean[] {true, false}) {
            long[] ids = new long[seqs.length * width], mask = new long[seqs.length * width];
            Arrays.fill(ids, 2);
            for (int i = 0; i < seqs.length; i++) {
                int off = left ? width - seqs[i].length : 0;
                for (int j = 0; j < seqs[i].length; j++) {
                    ids[i * width + off + j] = seqs[i][j];
                    mask[i * width + off + j] = 1;
                }
            }
            float[] batch;
            try (NoGradGuard g = new NoGradGuard(); PointerScope s = new PointerScope()) {
                batch = HostTensors.toFloats(model.logits(HostTensors.fromLongs(ids, seqs.length, width),
                        HostTensors.fromLongs(mask, seqs.length, width)));
            }
            for (int i = 0; i < seqs.length; i++) {
                float[] alone = logitsOf(model, seqs[i]);
                int off = left ? width - seqs[i].length : 0;
                for (int j = 0; j < seqs[i].length; j++)
                    for (int c = 0; c < v; c++)
                        assertEquals(alone[j * v + c], batch[((i * width) + off + j) * v + c], 1e-4,
                                (left ? "left" : "right") + " row " + i + " pos " + j);
            }
        }
    }

    /** Sampling with the cache, a batch of different prompt lengths, several EOS ids: same tokens as recomputing. */
    @Test
    void cachedAndUncachedSamplingAgree() {
        long[][] prompts = {tok.encode("Once upon a time"), tok.encode("The dog"), {1}};
        long[] eos = {2, 267};   // </s>, and "." so that some rows stop early
        CausalLMGenerator gen = new CausalLMGenerator(model, eos, 0);
        SamplingConfig cfg = new SamplingConfig(0.9, 40, 0.95, 40);
        Generation a = gen.generate(prompts, cfg, Sampler.rng(5, 0, 0));
        Generation b = gen.generateUncached(prompts, cfg, Sampler.rng(5, 0, 0));
        boolean anyStopped = false;
        for (int i = 0; i < prompts.length; i++) {
            assertArrayEquals(b.responses()[i], a.responses()[i], "row " + i);
            assertEquals(b.terminated()[i], a.terminated()[i]);
            if (a.terminated()[i]) {
                int last = a.responses()[i][a.responses()[i].length - 1];
                assertTrue(last == 2 || last == 267);
                anyStopped = true;
            } else assertEquals(40, a.responses()[i].length);
        }
        assertTrue(anyStopped, "with EOS ids 2 and 267 some row should stop within 40 tokens");
    }

    /**
     * Rollouts decode several prompt groups in one batch, each group drawing from its own stream: a group inside a
     * batch of other groups (other prompt lengths, so other padding) draws the same tokens as decoded alone.
     */
    @Test
    void aPromptGroupDrawsTheSameTokensAloneAndInsideABatch() {
        long[][] groupPrompts = {tok.encode("Once upon a time"), tok.encode("The dog"), {1}};
        int g = 4;
        long[] eos = {2, 267};
        CausalLMGenerator gen = new CausalLMGenerator(model, eos, 0);
        SamplingConfig cfg = new SamplingConfig(1.0, 0, 1.0, 32);
        long[][] all = new long[groupPrompts.length * g][];
        java.util.SplittableRandom[] streams = new java.util.SplittableRandom[all.length];
        for (int q = 0; q < groupPrompts.length; q++) {
            java.util.SplittableRandom s = Sampler.rng(9, 1, q);
            for (int j = 0; j < g; j++) {
                all[q * g + j] = groupPrompts[q];
                streams[q * g + j] = s;
            }
        }
        Generation batch = gen.generateWithStreams(all, cfg, streams);
        for (int q = 0; q < groupPrompts.length; q++) {
            long[][] alone = new long[g][];
            Arrays.fill(alone, groupPrompts[q]);
            Generation one = gen.generate(alone, cfg, Sampler.rng(9, 1, q));
            for (int j = 0; j < g; j++) {
                assertArrayEquals(one.responses()[j], batch.responses()[q * g + j], "group " + q + " row " + j);
                assertEquals(one.terminated()[j], batch.terminated()[q * g + j]);
            }
        }
    }

    @Test
    void saveThenLoadGivesIdenticalLogits() throws Exception {
        Path out = tmp.resolve("saved");
        HfModels.save(model, out);
        for (String f : new String[] {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                "generation_config.json"})
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        long[] seq = {1, 403, 407, 261, 378, 432, 383};
        try (CausalLM again = HfModels.load(out)) {
            assertArrayEquals(logitsOf(model, seq), logitsOf(again, seq));
        }
        JsonNode cfg = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals("float32", cfg.get("torch_dtype").asText());
        assertEquals("llama", cfg.get("model_type").asText());
        // the saved weights hold exactly the original bytes (same dtype, same order of values)
        try (SafeTensorsFile a = SafeTensorsFile.open(dir.resolve("model.safetensors"));
             SafeTensorsFile b = SafeTensorsFile.open(out.resolve("model.safetensors"))) {
            assertEquals(a.entries().keySet(), b.entries().keySet());
        }
    }

    @Test
    void frozenCopyAndCopyFromReproduceTheModel() {
        long[] seq = {1, 403, 407};
        try (CausalLM frozen = model.frozenCopy()) {
            assertArrayEquals(logitsOf(model, seq), logitsOf(frozen, seq));
            for (Tensor p : frozen.namedParameters().values()) assertTrue(!p.requires_grad());
        }
        assertEquals(47, model.namedParameters().size());   // 5 layers x 9 + embeddings + norm; tied head
    }

    /** The forward is differentiable: a loss on the logits reaches every parameter of a trainable copy. */
    @Test
    void gradientsReachEveryParameter() {
        try (HfDecoder m = HfModels.load(dir, null, "cpu"); PointerScope s = new PointerScope()) {
            Tensor logits = m.logits(HostTensors.fromLongs(new long[] {1, 403, 407, 261}, 1, 4),
                    HostTensors.fromLongs(ones(4), 1, 4));
            Tensor loss = logits.log_softmax(2).select(2, 300).sum();
            loss.backward(new Tensor(), new org.bytedeco.pytorch.BoolOptional(), false,
                    new org.bytedeco.pytorch.TensorArrayRefOptional());
            for (java.util.Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
                Tensor grad = e.getValue().grad();
                assertTrue(grad.defined(), e.getKey());
                assertTrue(grad.abs().sum().item_double() > 0, "zero gradient for " + e.getKey());
            }
        }
    }

    @Test
    void bf16ComputeStaysCloseToFloat32() {
        long[] seq = {1, 403, 407, 261, 378};
        try (HfDecoder bf = HfModels.load(dir, ScalarType.BFloat16, "cpu")) {
            float[] a = logitsOf(model, seq), b = logitsOf(bf, seq);
            double worst = 0;
            for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
            assertTrue(worst < 0.5, "bf16 vs fp32 max |diff| = " + worst);   // logits reach ~17
        }
    }

    /**
     * A decode-sized forward (5 rows) of the bf16 model runs every linear layer through our bf16 kernel where the CPU
     * has it: it must stay as close to the float32 model as LibTorch's bf16 GEMM does.
     */
    @Test
    void bf16DecodeKernelStaysCloseToFloat32() {
        long[] seq = {1, 403, 407, 261, 378};
        try (HfDecoder bf = HfModels.load(dir, ScalarType.BFloat16, "cpu")) {
            float[] ref = logitsOf(model, seq);
            double[] worst = new double[2];
            float[][] got = new float[2][];
            for (int path = 0; path < 2; path++) {
                org.eapo4j.kernels.Bf16Linear.setEnabled(path == 0);
                try {
                    got[path] = logitsOf(bf, seq);
                } finally {
                    org.eapo4j.kernels.Bf16Linear.setEnabled(null);
                }
                for (int i = 0; i < ref.length; i++) worst[path] = Math.max(worst[path], Math.abs(ref[i] - got[path][i]));
            }
            assertTrue(worst[0] < 0.5, "bf16 kernel vs fp32 max |diff| = " + worst[0]);
            assertTrue(worst[1] < 0.5, "LibTorch bf16 vs fp32 max |diff| = " + worst[1]);
        }
    }

    @Test
    void tokenizerMatchesPublishedIds() {
        JsonNode ex = expected.get("encode_examples");
        ex.fields().forEachRemaining(e -> assertArrayEquals(longs(e.getValue()), tok.encode(e.getKey()), e.getKey()));
        assertEquals(1, tok.bosId());
        assertArrayEquals(new long[] {2}, tok.eosIds());
        assertEquals(512, tok.vocabSize());
        assertEquals("Once upon a time", tok.decode(new long[] {1, 403, 407, 261, 378, 2}));
    }
}
