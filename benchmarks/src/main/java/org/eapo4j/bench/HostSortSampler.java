package org.eapo4j.bench;

import java.util.SplittableRandom;

import org.eapo4j.model.Sampler;
import org.eapo4j.model.SamplingConfig;

/**
 * The baseline of {@link SamplingBenchmark}: the host sampler that {@code org.eapo4j.model.Sampler} was before it
 * called the native op (commit 0a376b9): the whole row in float64, {@code Arrays.sort} of the row for top-k, a boxed
 * index sort of the row for top-p ({@link Sampler#distribution}, which kept that code), inverse CDF in id order.
 */
final class HostSortSampler {
    private HostSortSampler() {}

    static int sample(float[] logits, int offset, int vocab, SamplingConfig cfg, SplittableRandom rng) {
        double[] p = Sampler.distribution(logits, offset, vocab, cfg);   // the same host sorts, kept there
        double u = rng.nextDouble(), cum = 0;
        int last = 0;
        for (int v = 0; v < vocab; v++) {
            if (p[v] <= 0) continue;
            cum += p[v];
            last = v;
            if (u < cum) return v;
        }
        return last;
    }
}
