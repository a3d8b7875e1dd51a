package org.eapo4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.global.torch;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.Test;

/** The generic generator on the built-in TransformerLM through the CausalLM interface. */
class CausalLMGeneratorTest {
    static final int V = 40;

    static TransformerLM model() {
        torch.manual_seed(11);
        return new TransformerLM(new ModelConfig(V, 32, 2, 4, 64, 48));
    }

    static long[][] prompts() {
        return new long[][] {{1, 7, 8, 9, 2}, {1, 12, 2}, {1, 20, 21, 22, 23, 24, 2}};
    }

    @Test
    void tensorLogitsEqualTheArrayForward() {
        try (TransformerLM m = model(); NoGradGuard g = new NoGradGuard(); PointerScope s = new PointerScope()) {
            long[][] ids = {{0, 0, 5, 6}, {7, 8, 9, 10}};
            boolean[][] real = {{false, false, true, true}, {true, true, true, true}};
            float[] a = HostTensors.toFloats(m.forward(ids, real));
            float[] b = HostTensors.toFloats(m.logits(HostTensors.fromLongs(new long[] {0, 0, 5, 6, 7, 8, 9, 10}, 2, 4),
                    HostTensors.fromLongs(new long[] {0, 0, 1, 1, 1, 1, 1, 1}, 2, 4)));
            assertArrayEquals(a, b);
            assertEquals(V, m.vocabSize());
            assertEquals(48, m.maxPositions());
            assertArrayEquals(new long[] {2, 4, 32}, shape(m.hiddenStates(
                    HostTensors.fromLongs(new long[] {0, 0, 5, 6, 7, 8, 9, 10}, 2, 4),
                    HostTensors.fromLongs(new long[] {0, 0, 1, 1, 1, 1, 1, 1}, 2, 4))));
        }
    }

    static long[] shape(org.bytedeco.pytorch.Tensor t) {
        long[] r = new long[(int) t.dim()];
        for (int i = 0; i < r.length; i++) r[i] = t.size(i);
        return r;
    }

    @Test
    void cachedEqualsUncachedAndStopsOnAnyEosId() {
        try (TransformerLM m = model()) {
            long[] eos = {3, 4, 5};
            CausalLMGenerator g = new CausalLMGenerator(m, eos, 0);
            SamplingConfig cfg = new SamplingConfig(1.0, 0, 1.0, 20);
            Generation a = g.generate(prompts(), cfg, Sampler.rng(5, 1, 2));
            Generation b = g.generateUncached(prompts(), cfg, Sampler.rng(5, 1, 2));
            for (int i = 0; i < a.size(); i++) {
                assertArrayEquals(b.responses()[i], a.responses()[i], "row " + i);
                assertEquals(b.terminated()[i], a.terminated()[i]);
                int[] r = a.responses()[i];
                for (int j = 0; j < r.length - 1; j++) assertTrue(r[j] < 3 || r[j] > 5, "EOS inside a response");
                if (a.terminated()[i]) assertTrue(r[r.length - 1] >= 3 && r[r.length - 1] <= 5);
                else assertEquals(20, r.length);
            }
        }
    }

    /** A row generated in a batch (left-padded beside longer prompts) is what it generates alone. */
    @Test
    void batchedGreedyRowsEqualEachPromptAlone() {
        try (TransformerLM m = model()) {
            CausalLMGenerator g = new CausalLMGenerator(m, new long[] {3}, 0);
            SamplingConfig cfg = SamplingConfig.greedy(10);
            Generation batch = g.generate(prompts(), cfg, null);
            for (int i = 0; i < prompts().length; i++) {
                Generation alone = g.generate(new long[][] {prompts()[i]}, cfg, null);
                assertArrayEquals(alone.responses()[0], batch.responses()[i], "row " + i);
            }
        }
    }

    @Test
    void refusesBadPrompts() {
        try (TransformerLM m = model()) {
            CausalLMGenerator g = new CausalLMGenerator(m, new long[] {3}, 0);
            SamplingConfig cfg = SamplingConfig.greedy(4);
            assertThrows(IllegalArgumentException.class, () -> g.generate(new long[][] {{}}, cfg, null));
            assertThrows(IllegalArgumentException.class, () -> g.generate(new long[][] {{1, 40}}, cfg, null));
            assertThrows(IllegalArgumentException.class, () -> g.generate(new long[][] {new long[48]}, cfg, null));
            assertThrows(IllegalArgumentException.class, () -> new CausalLMGenerator(m, new long[0], 0));
        }
    }
}
