package org.eapo4j.bench;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.eapo4j.model.SamplingConfig;

/**
 * The baseline of {@link SamplingBenchmark}: the host sampler that {@code org.eapo4j.model.Sampler} was before it
 * called the native op (commit 0a376b9), kept verbatim: the whole row in float64, {@code Arrays.sort} of the row for
 * top-k, a boxed index sort of the row for top-p, inverse CDF in id order.
 */
final class HostSortSampler {
    private HostSortSampler() {}

    static double[] distribution(float[] logits, int offset, int vocab, SamplingConfig cfg) {
        double[] p = new double[vocab];
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            p[v] = logits[offset + v] / cfg.temperature();
            max = Math.max(max, p[v]);
        }
        if (cfg.topK() > 0 && cfg.topK() < vocab) {
            double[] sorted = p.clone();
            Arrays.sort(sorted);
            double kth = sorted[vocab - cfg.topK()];
            for (int v = 0; v < vocab; v++) if (p[v] < kth) p[v] = Double.NEGATIVE_INFINITY;
        }
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            p[v] = Math.exp(p[v] - max);
            sum += p[v];
        }
        for (int v = 0; v < vocab; v++) p[v] /= sum;
        if (cfg.topP() < 1.0) {
            Integer[] order = new Integer[vocab];
            for (int v = 0; v < vocab; v++) order[v] = v;
            final double[] pp = p;
            Arrays.sort(order, (a, b) -> Double.compare(pp[b], pp[a]));
            double cum = 0;
            boolean[] keep = new boolean[vocab];
            for (int i = 0; i < vocab; i++) {
                keep[order[i]] = true;
                cum += p[order[i]];
                if (cum >= cfg.topP()) break;
            }
            double s2 = 0;
            for (int v = 0; v < vocab; v++) {
                if (!keep[v]) p[v] = 0;
                s2 += p[v];
            }
            for (int v = 0; v < vocab; v++) p[v] /= s2;
        }
        return p;
    }

    static int sample(float[] logits, int offset, int vocab, SamplingConfig cfg, SplittableRandom rng) {
        double[] p = distribution(logits, offset, vocab, cfg);
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
