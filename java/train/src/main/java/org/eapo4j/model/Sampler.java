package org.eapo4j.model;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.kernels.SamplingParams;

/**
 * Draws tokens from one row of logits with the native sampling op ({@link FusedKernels#sample}: temperature, then
 * top-k, then top-p, without sorting the vocabulary; the definition is in native/include/eapo4j.h, "Sampling").
 * Randomness comes only from the {@link SplittableRandom} passed in, which the trainer seeds from (seed, step): one
 * {@code nextDouble()} per drawn token, as before the op was native, so the same seed and step always sample the
 * same tokens.
 */
public final class Sampler {
    private Sampler() {}

    /** A generator that is a pure function of (seed, step, stream). */
    public static SplittableRandom rng(long seed, long step, long stream) {
        long s = seed * 0x9E3779B97F4A7C15L + step * 0xC2B2AE3D27D4EB4FL + stream * 0x165667B19E3779F9L;
        return new SplittableRandom(s);
    }

    /**
     * The sampling distribution of one row (after temperature, top-k and top-p), as float64 probabilities, computed
     * on the host with full sorts of the row: for tests and inspection. {@link #sample} does not use it; it draws
     * from the same distribution natively.
     */
    public static double[] distribution(float[] logits, int offset, int vocab, SamplingConfig cfg) {
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

    public static int sample(float[] logits, int offset, int vocab, SamplingConfig cfg, SplittableRandom rng) {
        return sample(logits, offset, vocab, vocab, cfg, rng);
    }

    /**
     * As {@link #sample(float[], int, int, SamplingConfig, SplittableRandom)}, never drawing an id >= validVocab
     * (the padding rows of an output layer larger than the tokenizer's vocabulary).
     */
    public static int sample(float[] logits, int offset, int vocab, int validVocab, SamplingConfig cfg,
                             SplittableRandom rng) {
        if (offset < 0 || vocab < 1 || offset > logits.length - vocab)
            throw new IllegalArgumentException("logits: [" + offset + ", " + offset + " + " + vocab
                    + ") is outside an array of " + logits.length);
        double u = rng.nextDouble();
        SamplingParams params = new SamplingParams(cfg.temperature(), cfg.topK(), cfg.topP(), 0);
        FloatPointer row = rowBuffer(vocab);
        row.position(0).put(logits, offset, vocab);
        try (TensorOptions o = new TensorOptions(ScalarType.Float);
             Tensor t = torch.from_blob(row, new long[] {1, vocab}, o)) {
            return (int) FusedKernels.sample(t, params, new double[] {u}, new long[] {validVocab}).ids()[0];
        }
    }

    /**
     * The native copy of the row, one per thread, kept and grown as needed: a fresh 600 KB buffer per token would be
     * an mmap and its page faults every time. It lives as long as its thread (a few MB at most per thread).
     */
    private static final ThreadLocal<FloatPointer> ROW = new ThreadLocal<>();

    private static FloatPointer rowBuffer(int vocab) {
        FloatPointer p = ROW.get();
        if (p == null || p.capacity() < vocab) {
            if (p != null) p.releaseReference();
            p = new FloatPointer(vocab);
            p.retainReference();   // not owned by any PointerScope the caller may have open
            ROW.set(p);
        }
        return p;
    }
}
