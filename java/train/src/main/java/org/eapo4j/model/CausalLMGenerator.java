package org.eapo4j.model;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.tensors.HostTensors;

/**
 * Batched generation for any {@link CausalLM}: prompts of different lengths are left-padded into one batch with an
 * attention mask, run once, then decoded one position per step through a {@link KvCache}. A row stops at any of the
 * end-of-sequence ids (which it keeps) or after {@code maxNewTokens}; finished rows are fed padding, masked out.
 * Tokens are drawn on the host by {@link Sampler} (temperature, top-k, top-p) or taken greedily when
 * {@link SamplingConfig#isGreedy()}. {@link #generateUncached} recomputes the whole sequence at every step instead:
 * it exists to check the cache and gives the same tokens.
 */
public final class CausalLMGenerator {
    private final CausalLM model;
    private final long[] eosIds;
    private final long padId;
    private final int validVocab;

    /** @param eosIds ids that end a completion (at least one); @param padId any id the model accepts */
    public CausalLMGenerator(CausalLM model, long[] eosIds, long padId) {
        this(model, eosIds, padId, model.vocabSize());
    }

    /**
     * As {@link #CausalLMGenerator(CausalLM, long[], long)}, drawing only ids below {@code validVocab}: the
     * tokenizer's vocabulary, where the model pads its output layer beyond it (Qwen: 151,936 rows for 151,669 tokens).
     */
    public CausalLMGenerator(CausalLM model, long[] eosIds, long padId, int validVocab) {
        if (eosIds == null || eosIds.length == 0) throw new IllegalArgumentException("eosIds: at least one id");
        if (validVocab < 1 || validVocab > model.vocabSize())
            throw new IllegalArgumentException("validVocab: must be in [1, " + model.vocabSize() + "], got "
                    + validVocab);
        this.model = model;
        this.eosIds = eosIds.clone();
        this.padId = padId;
        this.validVocab = validVocab;
    }

    public Generation generate(long[][] prompts, SamplingConfig cfg, SplittableRandom rng) {
        return run(prompts, cfg, rng, true);
    }

    public Generation generateUncached(long[][] prompts, SamplingConfig cfg, SplittableRandom rng) {
        return run(prompts, cfg, rng, false);
    }

    private Generation run(long[][] prompts, SamplingConfig cfg, SplittableRandom rng, boolean cached) {
        if (prompts.length == 0) throw new IllegalArgumentException("prompts: at least one");
        int b = prompts.length, vocab = model.vocabSize(), tp = 0;
        for (long[] p : prompts) {
            if (p.length == 0) throw new IllegalArgumentException("prompts: every prompt needs at least one token");
            for (long id : p)
                if (id < 0 || id >= vocab) throw new IllegalArgumentException("prompts: token id " + id
                        + " outside the vocabulary of " + vocab);
            tp = Math.max(tp, p.length);
        }
        int maxNew = Math.min(cfg.maxNewTokens(), model.maxPositions() - tp);
        if (maxNew < 1) throw new IllegalArgumentException("prompt of " + tp + " tokens leaves no room (the model "
                + "takes " + model.maxPositions() + " positions)");
        int width = tp + maxNew;
        long[] seq = new long[b * width], mask = new long[b * width];
        Arrays.fill(seq, padId);
        for (int i = 0; i < b; i++) {
            int off = tp - prompts[i].length;
            for (int j = 0; j < prompts[i].length; j++) {
                seq[i * width + off + j] = prompts[i][j];
                mask[i * width + off + j] = 1;
            }
        }
        int[][] out = new int[b][maxNew];
        int[] len = new int[b];
        boolean[] done = new boolean[b];
        Device device;
        try (Tensor w = model.headWeight()) {
            device = w.device();
        }
        try (NoGradGuard g = new NoGradGuard(); KvCache cache = cached ? model.newCache() : null) {
            int cur = tp;   // positions fed so far
            for (int step = 0; step < maxNew; step++) {
                float[] last;
                try (PointerScope scope = new PointerScope()) {
                    int from = cached && step > 0 ? cur - 1 : 0;
                    Tensor ids = columns(seq, b, width, from, cur).to(device, ScalarType.Long);
                    Tensor m = columns(mask, b, width, 0, cur).to(device, ScalarType.Long);
                    Tensor logits = cached ? model.logits(ids, m, cache) : model.logits(ids, m);
                    last = HostTensors.toFloats(logits.select(1, logits.size(1) - 1));
                }
                boolean all = true;
                for (int i = 0; i < b; i++) {
                    long id = padId;
                    if (!done[i]) {
                        id = draw(last, i, vocab, len[i], cfg, rng);
                        out[i][len[i]++] = (int) id;
                        if (isEos(id)) done[i] = true;
                        mask[i * width + cur] = 1;
                    }
                    seq[i * width + cur] = id;
                    all &= done[i];
                }
                cur++;
                if (all) break;
            }
        }
        int[][] promptsOut = new int[b][], responses = new int[b][];
        for (int i = 0; i < b; i++) {
            promptsOut[i] = Arrays.stream(prompts[i]).mapToInt(x -> (int) x).toArray();
            responses[i] = Arrays.copyOf(out[i], len[i]);
        }
        return new Generation(promptsOut, responses, done);
    }

    /** Row {@code i}'s next token (greedy or sampled), never past validVocab; a non-finite row stops generation. */
    private long draw(float[] logits, int i, int vocab, int position, SamplingConfig cfg, SplittableRandom rng) {
        if (cfg.isGreedy()) {
            for (int v = 0; v < validVocab; v++) {
                float x = logits[i * vocab + v];
                if (Float.isNaN(x) || x == Float.POSITIVE_INFINITY)
                    throw new NonFiniteLogitsException(i, position, "id " + v + " is " + x);
            }
            return argmax(logits, i * vocab, validVocab);
        }
        try {
            return Sampler.sample(logits, i * vocab, vocab, validVocab, cfg, rng);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().contains("NaN or +inf"))
                throw new NonFiniteLogitsException(i, position, e.getMessage());
            throw e;
        }
    }

    private boolean isEos(long id) {
        for (long e : eosIds) if (e == id) return true;
        return false;
    }

    /** The first index of the largest value: what torch.argmax returns. */
    static int argmax(float[] a, int offset, int n) {
        int best = 0;
        for (int v = 1; v < n; v++) if (a[offset + v] > a[offset + best]) best = v;
        return best;
    }

    private static Tensor columns(long[] a, int rows, int width, int from, int to) {
        long[] r = new long[rows * (to - from)];
        for (int i = 0; i < rows; i++) System.arraycopy(a, i * width + from, r, i * (to - from), to - from);
        return HostTensors.fromLongs(r, rows, to - from);
    }
}
