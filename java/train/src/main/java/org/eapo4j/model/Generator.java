package org.eapo4j.model;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.eapo4j.tensors.HostTensors;

/**
 * Batched sampling with a KV cache: the left-padded prompts are run once, then one position per step; a row stops
 * at the end-of-answer token or after {@code maxNewTokens}. {@link #generateUncached} recomputes the whole sequence
 * at every step instead; it exists to check the cache and gives the same tokens.
 */
public final class Generator {
    private final TransformerLM model;
    private final int eosId, padId;

    public Generator(TransformerLM model, int eosId, int padId) {
        this.model = model;
        this.eosId = eosId;
        this.padId = padId;
    }

    public Generation generate(int[][] prompts, SamplingConfig cfg, SplittableRandom rng) {
        return run(prompts, cfg, rng, true);
    }

    public Generation generateUncached(int[][] prompts, SamplingConfig cfg, SplittableRandom rng) {
        return run(prompts, cfg, rng, false);
    }

    private Generation run(int[][] prompts, SamplingConfig cfg, SplittableRandom rng, boolean cached) {
        int b = prompts.length, vocab = model.config().vocab();
        int tp = 0;
        for (int[] p : prompts) tp = Math.max(tp, p.length);
        int maxNew = Math.min(cfg.maxNewTokens(), model.config().maxLen() - tp);
        if (maxNew < 1) throw new IllegalArgumentException("prompt of " + tp + " tokens leaves no room (maxLen "
                + model.config().maxLen() + ")");
        long[][] seq = new long[b][tp + maxNew];
        boolean[][] real = new boolean[b][tp + maxNew];
        for (int i = 0; i < b; i++) {
            Arrays.fill(seq[i], padId);
            int off = tp - prompts[i].length;
            for (int j = 0; j < prompts[i].length; j++) {
                seq[i][off + j] = prompts[i][j];
                real[i][off + j] = true;
            }
        }
        int[][] out = new int[b][maxNew];
        int[] len = new int[b];
        boolean[] done = new boolean[b];
        try (NoGradGuard g = new NoGradGuard(); KvCache cache = cached ? new KvCache(model.config().layers()) : null) {
            int cur = tp;   // number of positions fed so far
            for (int step = 0; step < maxNew; step++) {
                float[] last;
                try (PointerScope scope = new PointerScope()) {
                    Tensor logits;
                    if (cached) {
                        int from = step == 0 ? 0 : cur - 1;
                        logits = model.forward(slice(seq, from, cur), slice(real, from, cur), cache);
                    } else {
                        logits = model.forward(slice(seq, 0, cur), slice(real, 0, cur));
                    }
                    long t = logits.size(1);
                    last = HostTensors.toFloats(logits.select(1, t - 1));
                    logits.close();
                }
                boolean all = true;
                for (int i = 0; i < b; i++) {
                    int tokenId;
                    if (done[i]) tokenId = padId;
                    else {
                        tokenId = Sampler.sample(last, i * vocab, vocab, cfg, rng);
                        out[i][len[i]++] = tokenId;
                        if (tokenId == eosId) done[i] = true;
                    }
                    seq[i][cur] = tokenId;
                    real[i][cur] = !done[i] || tokenId == eosId;
                    all &= done[i];
                }
                cur++;
                if (all) break;
            }
        }
        int[][] responses = new int[b][];
        for (int i = 0; i < b; i++) responses[i] = Arrays.copyOf(out[i], len[i]);
        return new Generation(prompts, responses, done);
    }

    private static long[][] slice(long[][] a, int from, int to) {
        long[][] r = new long[a.length][];
        for (int i = 0; i < a.length; i++) r[i] = Arrays.copyOfRange(a[i], from, to);
        return r;
    }

    private static boolean[][] slice(boolean[][] a, int from, int to) {
        boolean[][] r = new boolean[a.length][];
        for (int i = 0; i < a.length; i++) r[i] = Arrays.copyOfRange(a[i], from, to);
        return r;
    }
}
