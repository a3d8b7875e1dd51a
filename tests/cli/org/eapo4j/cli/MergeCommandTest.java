package org.eapo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.eapo4j.hf.HfDecoder;
import org.eapo4j.hf.HfModels;
import org.eapo4j.hf.LoraAdapters;
import org.eapo4j.hf.LoraConfig;
import org.eapo4j.model.CausalLM;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code eapo4j merge --model BASE --adapter DIR --out DIR} in a separate JVM: the merged folder and bad input. */
class MergeCommandTest {
    @TempDir Path tmp;

    static final long[] IDS = {1, 403, 11, 29, 7, 300, 88, 2};

    static float[] logits(CausalLM m) {
        long[] mask = new long[IDS.length];
        Arrays.fill(mask, 1);
        try (NoGradGuard g = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            return HostTensors.toFloats(m.logits(HostTensors.fromLongs(IDS, 1, IDS.length),
                    HostTensors.fromLongs(mask, 1, IDS.length)));
        }
    }

    @Test
    void mergedFolderComputesTheAdaptedModel() throws Exception {
        Path base = GenerateCommandTest.stories(), adapter = tmp.resolve("adapter"), out = tmp.resolve("merged");
        float[] want;
        try (HfDecoder m = HfModels.applyLora(HfModels.load(base, null, "cpu"),
                new LoraConfig(4, 8, 0.0, java.util.List.of("q_proj", "down_proj")), 3)) {
            Random r = new Random(1);
            try (NoGradGuard g = new NoGradGuard(); PointerScope scope = new PointerScope()) {
                for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
                    float[] v = new float[(int) e.getValue().numel()];
                    for (int i = 0; i < v.length; i++) v[i] = (float) (0.05 * r.nextGaussian());
                    long[] shape = {e.getValue().size(0), e.getValue().size(1)};
                    e.getValue().copy_(HostTensors.fromFloats(v, shape));
                }
            }
            want = logits(m);
            LoraAdapters.save(m, adapter, base.toString());
        }
        GenerateCommandTest.Run run = GenerateCommandTest.cli("merge", "--model", base.toString(), "--adapter",
                adapter.toString(), "--out", out.toString());
        assertEquals(0, run.code(), run.err());
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")), "tokenizer files come along");
        float[] got;
        try (CausalLM merged = HfModels.load(out)) {
            got = logits(merged);
        }
        double worst = 0, scale = 1;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - want[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        System.out.printf("eapo4j merge: max |merged - adapted logit| = %.3g (scale %.3g)%n", worst, scale);
        assertTrue(worst <= 1e-5 * scale, "merged folder off by " + worst);
        try (CausalLM plain = HfModels.load(base)) {
            float[] b = logits(plain);
            double moved = 0;
            for (int i = 0; i < b.length; i++) moved = Math.max(moved, Math.abs(b[i] - want[i]));
            assertTrue(moved > 1e-3, "the adapter changes the model");
        }
    }

    @Test
    void badInputIsOneLineWithExitCode2() throws Exception {
        Path base = GenerateCommandTest.stories();
        Path notAdapter = Files.createDirectories(tmp.resolve("empty"));
        Path file = Files.writeString(tmp.resolve("file"), "x");
        String[][] cases = {
                {"--model", base.toString(), "--adapter", tmp.resolve("missing").toString(), "--out", tmp.resolve("o1").toString()},
                {"--model", base.toString(), "--adapter", notAdapter.toString(), "--out", tmp.resolve("o2").toString()},
                {"--model", base.toString(), "--adapter", notAdapter.toString(), "--out", file.toString()},
        };
        String[] expect = {"--adapter", "adapter_config.json", "--out"};
        for (int i = 0; i < cases.length; i++) {
            String[] args = new String[cases[i].length + 1];
            args[0] = "merge";
            System.arraycopy(cases[i], 0, args, 1, cases[i].length);
            GenerateCommandTest.Run run = GenerateCommandTest.cli(args);
            assertEquals(2, run.code(), run.err());
            String err = run.err().strip();
            assertEquals(1, err.lines().count(), err);
            assertTrue(err.startsWith("eapo4j: ") && err.contains(expect[i]), err);
        }
    }
}
