package org.eapo4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.Test;

class GeneratorTest {
    static final int V = 40, EOS = 3, PAD = 0;

    static TransformerLM model() {
        torch.manual_seed(11);
        return new TransformerLM(new ModelConfig(V, 32, 2, 4, 64, 48));
    }

    static long[][] prompts() {
        return new long[][] {{1, 7, 8, 9, 2}, {1, 12, 2}, {1, 20, 21, 22, 23, 24, 2}};
    }

    @Test
    void cachedGenerationEqualsUncachedRecomputation() {
        TransformerLM m = model();
        CausalLMGenerator g = new CausalLMGenerator(m, new long[] {EOS}, PAD);   // the built-in model as a CausalLM
        SamplingConfig cfg = new SamplingConfig(1.0, 0, 1.0, 12);
        Generation a = g.generate(prompts(), cfg, Sampler.rng(5, 1, 2));
        Generation b = g.generateUncached(prompts(), cfg, Sampler.rng(5, 1, 2));
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(b.responses()[i], a.responses()[i], "row " + i);
            assertEquals(b.terminated()[i], a.terminated()[i]);
        }
        // the same seed and step reproduce the tokens, another step does not (with overwhelming probability)
        Generation c = g.generate(prompts(), cfg, Sampler.rng(5, 1, 2));
        assertArrayEquals(a.responses()[2], c.responses()[2]);
    }

    @Test
    void cachedLogitsMatchFullForwardAndPaddingIsInvisible() {
        TransformerLM m = model();
        long[][] seq = {{0, 0, 1, 5, 6, 7, 8, 9}, {1, 11, 12, 13, 14, 15, 16, 17}};
        boolean[][] real = {{false, false, true, true, true, true, true, true}, {true, true, true, true, true, true, true, true}};
        try (NoGradGuard ng = new NoGradGuard(); KvCache cache = new KvCache(2)) {
            float[] full = HostTensors.toFloats(m.forward(seq, real));
            // prefix of 5 positions, then one position at a time
            float[] inc = new float[full.length];
            long[][] pre = {java.util.Arrays.copyOf(seq[0], 5), java.util.Arrays.copyOf(seq[1], 5)};
            boolean[][] preReal = {java.util.Arrays.copyOf(real[0], 5), java.util.Arrays.copyOf(real[1], 5)};
            put(inc, HostTensors.toFloats(m.forward(pre, preReal, cache)), 0, 5);
            for (int t = 5; t < 8; t++)
                put(inc, HostTensors.toFloats(m.forward(new long[][] {{seq[0][t]}, {seq[1][t]}},
                        new boolean[][] {{true}, {true}}, cache)), t, 1);
            for (int i = 0; i < full.length; i++) {
                int b = i / (8 * V), t = (i / V) % 8;
                if (!real[b][t]) continue;
                assertEquals(full[i], inc[i], 2e-5f, "logit " + i);
            }
            // row 0 without its left padding gives the same logits at its real positions
            float[] unpadded = HostTensors.toFloats(m.forward(new long[][] {{1, 5, 6, 7, 8, 9}},
                    new boolean[][] {{true, true, true, true, true, true}}));
            for (int t = 0; t < 6; t++)
                for (int v = 0; v < V; v++)
                    assertEquals(unpadded[t * V + v], full[(t + 2) * V + v], 2e-5f);
        }
    }

    /** Scatters [2, n, V] logits of positions t..t+n-1 into a [2, 8, V] array. */
    private static void put(float[] dst, float[] src, int t, int n) {
        for (int b = 0; b < 2; b++)
            System.arraycopy(src, b * n * V, dst, (b * 8 + t) * V, n * V);
    }

    @Test
    void topKAndTopPRestrictTheDistribution() {
        float[] logits = {0f, 1f, 2f, 3f};
        double[] p = Sampler.distribution(logits, 0, 4, new SamplingConfig(1.0, 2, 1.0, 1));
        assertEquals(0.0, p[0] + p[1], 0);
        assertEquals(1.0, p[2] + p[3], 1e-12);
        double[] q = Sampler.distribution(logits, 0, 4, new SamplingConfig(1.0, 0, 0.5, 1));
        assertEquals(1.0, q[3], 1e-12);   // the top token already holds > 50% of the mass
        double[] cold = Sampler.distribution(logits, 0, 4, new SamplingConfig(0.1, 0, 1.0, 1));
        assertTrue(cold[3] > 0.99);
    }

    @Test
    void generationStopsAtEndToken() {
        TransformerLM m = model();
        try (NoGradGuard ng = new NoGradGuard()) {   // make <eoa> overwhelmingly likely
            Tensor bias = m.namedParameters().get("head.bias");
            bias.add_(HostTensors.fromFloats(oneHot(EOS, 50f), V));
        }
        Generation g = new CausalLMGenerator(m, new long[] {EOS}, PAD).generate(prompts(), SamplingConfig.of(1.0, 10), Sampler.rng(1, 1, 1));
        for (int i = 0; i < g.size(); i++) {
            assertTrue(g.terminated()[i]);
            assertArrayEquals(new int[] {EOS}, g.responses()[i]);
        }
    }

    private static float[] oneHot(int i, float v) {
        float[] a = new float[V];
        a[i] = v;
        return a;
    }
}
