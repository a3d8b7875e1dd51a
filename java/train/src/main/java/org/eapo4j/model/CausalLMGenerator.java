package org.eapo4j.model;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.kernels.SamplingParams;
import org.eapo4j.tensors.HostTensors;

/**
 * Batched generation for any {@link CausalLM}: prompts of different lengths are left-padded into one batch with an
 * attention mask, run once (the output layer at the last position only), then decoded one position per step through
 * a {@link KvCache}. A row stops at any of the end-of-sequence ids (which it keeps) or after {@code maxNewTokens}; a
 * finished row leaves the batch and the cache, so later steps compute the unfinished rows only. Tokens are drawn by
 * the native sampling op ({@link FusedKernels#sample}: temperature, top-k, top-p, or greedy when
 * {@link SamplingConfig#isGreedy()}) straight from the logits tensor. {@link #generateUncached} recomputes the whole
 * sequence at every step instead: it exists to check the cache and gives the same tokens.
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

    /** Every row draws from {@code rng}, in row order at each position. */
    public Generation generate(long[][] prompts, SamplingConfig cfg, SplittableRandom rng) {
        return run(prompts, cfg, sameStream(rng, prompts.length), true);
    }

    /**
     * Row {@code i} draws from {@code rowRngs[i]}. Rows may share a stream (a prompt group does): a stream is then
     * read by its rows in row order at each position, so a group decoded inside a larger batch draws exactly what it
     * draws decoded alone.
     */
    public Generation generateWithStreams(long[][] prompts, SamplingConfig cfg, SplittableRandom[] rowRngs) {
        return run(prompts, cfg, rowRngs, true);
    }

    public Generation generateUncached(long[][] prompts, SamplingConfig cfg, SplittableRandom rng) {
        return run(prompts, cfg, sameStream(rng, prompts.length), false);
    }

    private static SplittableRandom[] sameStream(SplittableRandom rng, int rows) {
        SplittableRandom[] r = new SplittableRandom[rows];
        Arrays.fill(r, rng);
        return r;
    }

    private Generation run(long[][] prompts, SamplingConfig cfg, SplittableRandom[] rngs, boolean cached) {
        if (prompts.length == 0) throw new IllegalArgumentException("prompts: at least one");
        if (!cfg.isGreedy())
            for (SplittableRandom r : rngs)
                if (r == null) throw new IllegalArgumentException("rng: sampling needs a random stream (null only "
                        + "when greedy)");
        if (rngs.length != prompts.length)
            throw new IllegalArgumentException("rowRngs: " + rngs.length + " streams for " + prompts.length + " rows");
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
        int[] active = new int[b];   // the unfinished rows, ascending: the rows of the batch the model computes
        for (int i = 0; i < b; i++) active[i] = i;
        SamplingParams params = cfg.isGreedy() ? new SamplingParams(0, 0, 1, 0)
                : new SamplingParams(cfg.temperature(), cfg.topK(), cfg.topP(), 0);
        Device device;
        try (Tensor w = model.headWeight()) {
            device = w.device();
        }
        try (NoGradGuard g = new NoGradGuard(); KvCache cache = cached ? model.newCache() : null) {
            if (cache != null) cache.reserve(width);
            int cur = tp;   // positions fed so far
            for (int step = 0; step < maxNew; step++) {
                long[] ids;
                try (PointerScope scope = new PointerScope()) {
                    int from = cached && step > 0 ? cur - 1 : 0;
                    Tensor idT = columns(seq, active, width, from, cur).to(device, ScalarType.Long);
                    Tensor m = columns(mask, active, width, 0, cur).to(device, ScalarType.Long);
                    Tensor logits = model.lastLogits(idT, m, cache);
                    ids = draw(logits, active, step, params, rngs);
                }
                int still = 0;
                int[] keep = new int[active.length];   // batch positions of the rows that go on
                for (int a = 0; a < active.length; a++) {
                    int i = active[a];
                    out[i][len[i]++] = (int) ids[a];
                    seq[i * width + cur] = ids[a];
                    mask[i * width + cur] = 1;
                    if (isEos(ids[a])) done[i] = true;
                    else keep[still++] = a;
                }
                cur++;
                if (still == 0) break;
                if (still < active.length) {   // drop the finished rows from the batch (and the cache)
                    int[] rows = new int[still];
                    for (int k = 0; k < still; k++) rows[k] = active[keep[k]];
                    active = rows;
                    if (cache != null) cache.keepRows(Arrays.copyOf(keep, still));
                }
            }
        }
        int[][] promptsOut = new int[b][], responses = new int[b][];
        for (int i = 0; i < b; i++) {
            promptsOut[i] = Arrays.stream(prompts[i]).mapToInt(x -> (int) x).toArray();
            responses[i] = Arrays.copyOf(out[i], len[i]);
        }
        return new Generation(promptsOut, responses, done);
    }

    /**
     * The next token of every active row, drawn natively from the [rows, V] logits (never an id >= validVocab);
     * one uniform per row from its stream, in row order. A row with NaN or +inf logits stops generation.
     */
    private long[] draw(Tensor logits, int[] active, int position, SamplingParams params, SplittableRandom[] rngs) {
        double[] u = null;
        if (!params.isGreedy()) {
            u = new double[active.length];
            for (int a = 0; a < active.length; a++) u[a] = rngs[active[a]].nextDouble();
        }
        long[] valid = new long[active.length];
        Arrays.fill(valid, validVocab);
        try {
            return FusedKernels.sample(logits, params, u, valid).ids();
        } catch (IllegalArgumentException e) {
            Matcher row = NON_FINITE_ROW.matcher(String.valueOf(e.getMessage()));
            if (row.find()) throw new NonFiniteLogitsException(active[Integer.parseInt(row.group(1))], position,
                    e.getMessage());
            throw e;
        }
    }

    /** How the sampling op names a row it refuses for NaN or +inf logits. */
    private static final Pattern NON_FINITE_ROW = Pattern.compile("row (\\d+) of logits holds NaN or \\+inf");

    private boolean isEos(long id) {
        for (long e : eosIds) if (e == id) return true;
        return false;
    }

    /** Columns [from, to) of the given rows of a [rows, width] row-major array, as a [rows.length, to - from] tensor. */
    private static Tensor columns(long[] a, int[] rows, int width, int from, int to) {
        long[] r = new long[rows.length * (to - from)];
        for (int i = 0; i < rows.length; i++)
            System.arraycopy(a, rows[i] * width + from, r, i * (to - from), to - from);
        return HostTensors.fromLongs(r, rows.length, to - from);
    }
}
