package org.eapo4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * {@link Sampler} over the native op keeps its contract: one nextDouble() of the caller's stream per token (so the
 * (seed, step, stream) streams give the same tokens run to run), the filters of {@link SamplingConfig}, and
 * validVocab. The op's own distribution checks are tests/kernels/.../SamplingTest.
 */
class SamplerTest {
    private static float[] logits(int rows, int vocab, long seed) {
        Random g = new Random(seed);
        float[] z = new float[rows * vocab];
        for (int i = 0; i < z.length; i++) z[i] = (float) (g.nextGaussian() * 2);
        return z;
    }

    @Test
    void oneUniformPerTokenAndInverseCdfInIdOrder() {
        int vocab = 50;
        float[] z = logits(3, vocab, 1);
        SamplingConfig cfg = new SamplingConfig(1.0, 0, 1.0, 4);
        SplittableRandom rng = Sampler.rng(3, 4, 2), copy = Sampler.rng(3, 4, 2);
        for (int row = 0; row < 3; row++) {
            int id = Sampler.sample(z, row * vocab, vocab, cfg, rng);
            double u = copy.nextDouble();
            // the inverse CDF of softmax(z) in id order, written out here
            double max = Double.NEGATIVE_INFINITY, sum = 0, cum = 0;
            for (int v = 0; v < vocab; v++) max = Math.max(max, z[row * vocab + v]);
            for (int v = 0; v < vocab; v++) sum += Math.exp(z[row * vocab + v] - max);
            int want = vocab - 1;
            for (int v = 0; v < vocab; v++) {
                cum += Math.exp(z[row * vocab + v] - max) / sum;
                if (u < cum) {
                    want = v;
                    break;
                }
            }
            assertEquals(want, id, "row " + row + " u=" + u);
        }
        assertEquals(copy.nextLong(), rng.nextLong(), "exactly one draw per token");
    }

    @Test
    void sameStreamSameTokens() {
        int vocab = 2000;
        float[] z = logits(4, vocab, 2);
        SamplingConfig cfg = new SamplingConfig(0.8, 40, 0.9, 4);
        SplittableRandom a = Sampler.rng(9, 1, 2), b = Sampler.rng(9, 1, 2);
        for (int row = 0; row < 4; row++)
            assertEquals(Sampler.sample(z, row * vocab, vocab, cfg, a), Sampler.sample(z, row * vocab, vocab, cfg, b));
    }

    @Test
    void greedyAndValidVocab() {
        int vocab = 100;
        float[] z = logits(1, vocab, 3);
        z[97] = 40f;
        z[12] = 30f;
        SamplingConfig greedy = SamplingConfig.greedy(1);
        assertEquals(97, Sampler.sample(z, 0, vocab, greedy, new SplittableRandom(1)));
        assertEquals(12, Sampler.sample(z, 0, vocab, 90, greedy, new SplittableRandom(1)), "id 97 is past validVocab");
        SamplingConfig plain = SamplingConfig.of(1.0, 1);
        SplittableRandom rng = new SplittableRandom(4);
        for (int i = 0; i < 200; i++) assertTrue(Sampler.sample(z, 0, vocab, 90, plain, rng) < 90);
        z[5] = Float.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sampler.sample(z, 0, vocab, plain, new SplittableRandom(1)));
        assertTrue(e.getMessage().contains("row 0"), e.getMessage());
    }
}
