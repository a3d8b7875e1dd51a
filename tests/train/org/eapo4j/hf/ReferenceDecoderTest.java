package org.eapo4j.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each config feature stories260K lacks, on a small random checkpoint the test writes itself, against the float64
 * {@link DecoderReference}: every row of a batch of different-length prompts, left- and right-padded, must match that
 * prompt evaluated alone by the reference.
 */
class ReferenceDecoderTest {
    @TempDir Path tmp;

    static final long[][] PROMPTS = {{5, 17, 3, 60, 22, 9, 41}, {12, 7, 33, 2}, {50}};

    @Test
    void qwen2BiasesWithBf16Weights() throws Exception {
        TinyCheckpoint.Spec s = new TinyCheckpoint.Spec();
        s.type = "qwen2";
        s.qkvBias = true;   // qwen2 always has q/k/v biases (and no o_proj bias)
        s.dtype = "BF16";
        s.tied = true;
        s.seed = 11;
        TinyCheckpoint ck = new TinyCheckpoint(s);
        Path dir = ck.write(tmp.resolve("qwen2"));
        // exact bf16 values computed in float32: tight
        check(ck, dir, ScalarType.Float, 2e-5);
        // computed in bf16, as loaded by default: loose, and the dtype is the checkpoint's
        try (HfDecoder m = HfModels.load(dir, null, "cpu")) {
            assertEquals(ScalarType.BFloat16, m.dtype());
        }
        check(ck, dir, null, 4e-2);
    }

    @Test
    void qwen3QkNormAndHeadDim() throws Exception {
        TinyCheckpoint.Spec s = new TinyCheckpoint.Spec();
        s.type = "qwen3";
        s.qkNorm = true;
        s.headDim = 16;       // q width 64 != hidden 32
        s.attentionBiasKey = true;
        s.qkvBias = s.outBias = true;
        s.seed = 12;
        TinyCheckpoint ck = new TinyCheckpoint(s);
        Path dir = ck.write(tmp.resolve("qwen3"));
        check(ck, dir, null, 2e-5);
        // saved and loaded again: the same checks hold, and the folder names the class vLLM loads
        try (HfDecoder m = HfModels.load(dir, null, "cpu")) {
            HfModels.save(m, tmp.resolve("qwen3-saved"));
        }
        check(ck, tmp.resolve("qwen3-saved"), null, 2e-5);
        assertEquals("Qwen3ForCausalLM", new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(tmp.resolve("qwen3-saved/config.json").toFile()).get("architectures").get(0).asText());
    }

    @Test
    void llama3RopeScalingUntiedHeadShardedFiles() throws Exception {
        TinyCheckpoint.Spec s = new TinyCheckpoint.Spec();
        s.type = "llama";
        s.headDim = 8;
        s.heads = 4;
        s.kvHeads = 1;
        s.theta = 10000;
        s.llama3 = new double[] {8, 1, 4, 16};   // head_dim 8: one frequency in the smoothed band, three scaled
        s.attentionBiasKey = true;
        s.qkvBias = s.outBias = true;
        s.mlpBias = true;
        s.tied = false;
        s.shards = 3;
        s.seed = 13;
        TinyCheckpoint ck = new TinyCheckpoint(s);
        check(ck, ck.write(tmp.resolve("llama3")), null, 2e-5);
    }

    @Test
    void mistralWithSlidingWindowRefusesLongerSequences() throws Exception {
        TinyCheckpoint.Spec s = new TinyCheckpoint.Spec();
        s.type = "mistral";
        s.seed = 14;
        TinyCheckpoint ck = new TinyCheckpoint(s);
        Path dir = ck.write(tmp.resolve("mistral"));
        check(ck, dir, null, 2e-5);
        com.fasterxml.jackson.databind.node.ObjectNode c = s.config();
        c.put("sliding_window", 4);
        new com.fasterxml.jackson.databind.ObjectMapper().writeValue(dir.resolve("config.json").toFile(), c);
        try (HfDecoder m = HfModels.load(dir, null, "cpu"); NoGradGuard g = new NoGradGuard();
             PointerScope scope = new PointerScope()) {
            Tensor shortIds = HostTensors.fromLongs(new long[] {1, 2, 3, 4}, 1, 4);
            m.logits(shortIds, HostTensors.fromLongs(new long[] {1, 1, 1, 1}, 1, 4));   // within the window: fine
            Tensor longIds = HostTensors.fromLongs(new long[] {1, 2, 3, 4, 5}, 1, 5);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> m.logits(longIds, HostTensors.fromLongs(new long[] {1, 1, 1, 1, 1}, 1, 5)));
            assertTrue(e.getMessage().contains("sliding window"), e.getMessage());
        }
    }

    /** Left- and right-padded batches of PROMPTS against the reference of each prompt alone. */
    static void check(TinyCheckpoint ck, Path dir, ScalarType dtype, double tol) {
        DecoderReference ref = new DecoderReference(ck);
        double[][][] want = new double[PROMPTS.length][][];
        for (int i = 0; i < PROMPTS.length; i++) want[i] = ref.logits(PROMPTS[i]);
        try (HfDecoder m = HfModels.load(dir, dtype, "cpu"); NoGradGuard g = new NoGradGuard()) {
            for (boolean left : new boolean[] {true, false}) {
                int width = PROMPTS[0].length, b = PROMPTS.length, v = ck.spec.vocab;
                long[] ids = new long[b * width], mask = new long[b * width];
                java.util.Arrays.fill(ids, 63);
                for (int i = 0; i < b; i++) {
                    int off = left ? width - PROMPTS[i].length : 0;
                    for (int j = 0; j < PROMPTS[i].length; j++) {
                        ids[i * width + off + j] = PROMPTS[i][j];
                        mask[i * width + off + j] = 1;
                    }
                }
                float[] got;
                try (PointerScope scope = new PointerScope()) {
                    got = HostTensors.toFloats(m.logits(HostTensors.fromLongs(ids, b, width),
                            HostTensors.fromLongs(mask, b, width)));
                }
                double worst = 0, scale = 1;
                for (int i = 0; i < b; i++) {
                    int off = left ? width - PROMPTS[i].length : 0;
                    for (int j = 0; j < PROMPTS[i].length; j++)
                        for (int c = 0; c < v; c++) {
                            double r = want[i][j][c];
                            scale = Math.max(scale, Math.abs(r));
                            worst = Math.max(worst, Math.abs(got[(i * width + off + j) * v + c] - r));
                        }
                }
                System.out.printf("%s %s %s padding: max |logit - float64 reference| = %.3g (scale %.3g)%n",
                        ck.spec.type, dtype == null ? "native" : dtype, left ? "left" : "right", worst, scale);
                assertTrue(worst <= tol * scale, ck.spec.type + (left ? " left" : " right") + "-padded: max error "
                        + worst + " > " + tol + " x " + scale);
            }
        }
    }
}
