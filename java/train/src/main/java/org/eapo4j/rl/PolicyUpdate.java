package org.eapo4j.rl;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.kernels.ImportanceSamplingLevel;
import org.eapo4j.kernels.LossVariantMetrics;
import org.eapo4j.kernels.SequenceLogRatio;
import org.eapo4j.kernels.LossAggregation;
import org.eapo4j.kernels.PolicyLossConfig;
import org.eapo4j.kernels.PolicyLossInputs;
import org.eapo4j.kernels.PolicyLossResult;
import org.eapo4j.kernels.TokenStats;
import org.eapo4j.model.AdamW;
import org.eapo4j.model.CausalLM;
import org.eapo4j.tensors.HostTensors;

/**
 * The policy-gradient update of one rollout batch: for every minibatch, recompute the logits under the current
 * policy, call {@link FusedKernels#policyLoss} (clipped surrogate, weights, optional k3 KL and entropy bonus, all
 * per SPEC.md), push its dL/dlogits through the model with {@code logits.backward(grad)}, clip the gradient norm and
 * take an AdamW step.
 *
 * <p>The supervised warm-up ({@link #supervised}) is the same minibatch step with old = the current log-probs (so
 * the ratio is 1 and no clipping applies), A = 1, w = 1 and token-mean coefficients: the kernel's dL/dlog p is then
 * exactly -c_t, the gradient of the masked mean cross-entropy (WarmupGradientTest checks it against autograd).
 */
public final class PolicyUpdate {
    /** Averages over the minibatch steps of one update. */
    public record Stats(double loss, double clipFraction, double kl, double entropy, double gradNorm, int optimizerSteps,
                        VariantShares variants) {}

    /**
     * Shares of the loss-carrying tokens that a loss variant touched (averaged over the minibatch steps): below the
     * top-entropy threshold, policy gradient dropped by Clip-Cov, KL-Cov penalty.
     */
    public record VariantShares(double entropyMasked, double pgDropped, double klCov) {}

    /**
     * Per-token inputs of the batch-wide loss variants, in the batch's [rows * tr] layout (each may be null):
     * Clip-Cov's keep mask (1 = keep the policy gradient) and KL-Cov's per-token |log-ratio| coefficient.
     */
    public record TokenVariants(float[] pgKeep, float[] absKlCoef) {}

    /** One supervised step: the masked mean cross-entropy before the step and the gradient norm before clipping. */
    public record SupervisedStats(double crossEntropy, double gradNorm) {}

    /** What one minibatch step measured; {@code meanOldLogp} is the mask-weighted mean of the old log-probs. */
    private record Minibatch(double loss, double clipFraction, double kl, double entropy, double gradNorm,
                             double meanOldLogp, VariantShares variants) {}

    private PolicyUpdate() {}

    /** As {@link #run(CausalLM, AdamW, SequenceBatch, float[], float[], double[], double[], UpdateConfig,
     * SplittableRandom, Collectives, GradAccumulator)} for one process, gradients summed in the parameters. */
    public static Stats run(CausalLM model, AdamW opt, SequenceBatch batch, float[] oldLogp, float[] refLogp,
                            double[] advantages, double[] weights, UpdateConfig cfg, SplittableRandom rng) {
        return run(model, opt, batch, oldLogp, refLogp, advantages, weights, cfg, rng, Collectives.NONE, null, null);
    }

    /**
     * The update of this rank's rows of the step's global batch (the ranks' rows in rank order; {@code batch} alone
     * for {@link Collectives#NONE}). Every rank draws the same permutation of the GLOBAL rows from {@code rng}, so
     * minibatch k holds the same rows whatever the number of ranks; each rank computes its rows of it (possibly
     * none) with coefficients over the minibatch's global row and token counts, the gradients are summed over the
     * ranks before the norm is clipped, and every statistic is a global one.
     *
     * <p>With {@code cfg.unitRows() > 0} a minibatch runs as micro-batches: its rows of each unit (consecutive
     * {@code unitRows} rows of the batch, e.g. a prompt group, which never spans ranks), each laid out at its own
     * widths ({@link SequenceBatch#compact}), one forward and backward each. With an {@code acc}umulator their
     * gradients and the ranks' are summed in float64 ({@link GradAccumulator}): the update is then the same for any
     * number of ranks up to float rounding of the float64 sums. Without one they add up in the parameters' grad and
     * {@link Collectives#sumGradients()} sums the ranks.
     *
     * @param oldLogp    [rows * tr] log-probs of the rollout policy (from its token-statistics pass)
     * @param refLogp    [rows * tr] log-probs of the reference policy, or null
     * @param advantages per row
     * @param weights    per row (lambda_pos / lambda_neg / 0)
     * @param acc        float64 gradient sums over the policy's trained parameters, or null
     * @param variants   per-token inputs of Clip-Cov / KL-Cov, or null
     */
    public static Stats run(CausalLM model, AdamW opt, SequenceBatch batch, float[] oldLogp, float[] refLogp,
                            double[] advantages, double[] weights, UpdateConfig cfg, SplittableRandom rng,
                            Collectives comm, GradAccumulator acc, TokenVariants variants) {
        if (oldLogp == null) throw new IllegalArgumentException("oldLogp is null");
        if (comm == null) throw new IllegalArgumentException("comm is null");
        // every rank's row token counts (and its tr): minibatch counts and L_max without further communication
        double[] mine = new double[batch.rows + 1];
        mine[0] = batch.tr;
        for (int i = 0; i < batch.rows; i++) mine[i + 1] = rowTokens(batch, i);
        double[][] all = comm.gather(mine);
        int offset = 0, globalRows = 0, globalTr = 1;
        for (int r = 0; r < all.length; r++) {
            if (r < comm.rank()) offset += all[r].length - 1;
            globalRows += all[r].length - 1;
            globalTr = Math.max(globalTr, (int) all[r][0]);
        }
        double[] tokens = new double[globalRows];
        for (int r = 0, k = 0; r < all.length; r++)
            for (int i = 1; i < all[r].length; i++) tokens[k++] = all[r][i];
        long lMax = Math.max(cfg.maxLength(), globalTr);
        double loss = 0, clip = 0, kl = 0, ent = 0, gn = 0, em = 0, pd = 0, kc = 0;
        int steps = 0;
        float[] adv = batch.broadcast(advantages), w = batch.broadcast(weights);
        for (int e = 0; e < cfg.epochs(); e++) {
            int[] perm = permutation(globalRows, rng);
            int mbs = Math.min(cfg.minibatches(), globalRows);
            for (int mb = 0; mb < mbs; mb++) {
                int from = mb * globalRows / mbs, to = (mb + 1) * globalRows / mbs;
                int[] rows = localRows(perm, from, to, offset, batch.rows);
                double mbTokens = 0;
                for (int k = from; k < to; k++) mbTokens += tokens[perm[k]];
                Minibatch r = step(model, opt, batch, rows, oldLogp, refLogp, adv, w, cfg, comm,
                        new Counts(to - from, mbTokens, lMax), acc, variants);
                em += r.variants().entropyMasked();
                pd += r.variants().pgDropped();
                kc += r.variants().klCov();
                loss += r.loss();
                clip += r.clipFraction();
                kl += r.kl();
                ent += r.entropy();
                gn += r.gradNorm();
                steps++;
            }
        }
        return new Stats(loss / steps, clip / steps, kl / steps, ent / steps, gn / steps, steps,
                new VariantShares(em / steps, pd / steps, kc / steps));
    }

    /** Global counts of one minibatch: rows, mask tokens and L_max. */
    private record Counts(int rows, double tokens, long lMax) {}

    /** The local indices of the global rows perm[from..to) that lie in [offset, offset + n), in perm order. */
    private static int[] localRows(int[] perm, int from, int to, int offset, int n) {
        int c = 0;
        for (int k = from; k < to; k++) if (perm[k] >= offset && perm[k] < offset + n) c++;
        int[] out = new int[c];
        c = 0;
        for (int k = from; k < to; k++) if (perm[k] >= offset && perm[k] < offset + n) out[c++] = perm[k] - offset;
        return out;
    }

    /**
     * {@code rows} split by unit (row / unitRows), units in ascending order, each keeping the given order; one part
     * holding every row for {@code unitRows} 0.
     */
    static java.util.List<int[]> byUnit(int[] rows, int unitRows) {
        if (unitRows <= 0) return rows.length == 0 ? java.util.List.of() : java.util.List.<int[]>of(rows);
        java.util.TreeMap<Integer, java.util.List<Integer>> parts = new java.util.TreeMap<>();
        for (int r : rows) parts.computeIfAbsent(r / unitRows, k -> new java.util.ArrayList<>()).add(r);
        java.util.List<int[]> out = new java.util.ArrayList<>();
        for (java.util.List<Integer> p : parts.values()) out.add(p.stream().mapToInt(Integer::intValue).toArray());
        return out;
    }

    private static double rowTokens(SequenceBatch b, int row) {
        double s = 0;
        for (int j = 0; j < b.tr; j++) s += b.mask[row * b.tr + j];
        return s;
    }

    /** One teacher-forcing step on {@code batch} (prompts + reference answers) at learning rate {@code lr}. */
    public static SupervisedStats supervised(CausalLM model, AdamW opt, SequenceBatch batch, double lr,
                                             double maxGradNorm) {
        return supervised(model, opt, batch, lr, maxGradNorm, Collectives.NONE, 0, null);
    }

    /**
     * As {@link #supervised(CausalLM, AdamW, SequenceBatch, double, double)} where {@code batch} is this rank's rows
     * of a batch spread over ranks: the token-mean runs over every rank's tokens and the gradients are summed;
     * micro-batches of {@code unitRows} rows (0 = one) and {@code acc} as in {@link #run}.
     */
    public static SupervisedStats supervised(CausalLM model, AdamW opt, SequenceBatch batch, double lr,
                                             double maxGradNorm, Collectives comm, int unitRows,
                                             GradAccumulator acc) {
        UpdateConfig cfg = new UpdateConfig(PolicyLossConfig.DEFAULT, LossAggregation.TOKEN_MEAN, 1, 1, lr,
                maxGradNorm, batch.tr, LmHeadPath.FULL_LOGITS, unitRows);
        double[] g = comm.sum(new double[] {batch.rows, batch.maskSum()});
        float[] ones = new float[batch.rows * batch.tr];
        Arrays.fill(ones, 1f);
        int[] rows = new int[batch.rows];
        for (int i = 0; i < rows.length; i++) rows[i] = i;
        Minibatch r = step(model, opt, batch, rows, null, null, ones, ones, cfg, comm,
                new Counts((int) g[0], g[1], batch.tr), acc, null);
        return new SupervisedStats(-r.meanOldLogp(), r.gradNorm());
    }

    /**
     * One minibatch step over rows {@code rows} of {@code batch}; {@code old == null} means on-policy: old = the
     * current log-probs (ratio 1). A rank with no rows of the minibatch still joins the gradient sum (with zeros)
     * and the statistics.
     */
    private static Minibatch step(CausalLM model, AdamW opt, SequenceBatch batch, int[] rows, float[] old,
                                  float[] ref, float[] adv, float[] w, UpdateConfig cfg, Collectives comm,
                                  Counts counts, GradAccumulator acc, TokenVariants variants) {
        try (PointerScope scope = new PointerScope()) {
            opt.zeroGrad();
            if (acc != null) acc.reset();
            // local sums: loss, clipped tokens, tokens with c != 0, sum m*H, sum m*k3, sum m*old, sum m, then the
            // tokens (with c != 0) below the entropy threshold, with the policy gradient dropped, with the KL-Cov term
            double[] s = new double[10];
            for (int[] part : byUnit(rows, cfg.unitRows())) {
                SequenceBatch sub = cfg.unitRows() > 0 ? batch.compact(part) : batch.subset(part);
                TokenVariants tv = variants == null ? null : new TokenVariants(
                        variants.pgKeep() == null ? null : batch.gatherRows(variants.pgKeep(), part, sub.tr),
                        variants.absKlCoef() == null ? null : batch.gatherRows(variants.absKlCoef(), part, sub.tr));
                microStep(model, sub, old == null ? null : batch.gatherRows(old, part, sub.tr),
                        ref == null ? null : batch.gatherRows(ref, part, sub.tr), batch.gatherRows(adv, part, sub.tr),
                        batch.gatherRows(w, part, sub.tr), cfg, counts, s, tv);
                if (acc != null) acc.addAndClear();
            }
            if (acc != null) acc.finish(comm);
            else comm.sumGradients();
            double[] g = comm.sum(s);
            double gradNorm = opt.clipGradNorm(cfg.maxGradNorm());   // of the summed, i.e. global, gradient
            opt.step(cfg.lr());
            return new Minibatch(g[0], g[2] == 0 ? 0 : g[1] / g[2], ratio(g[4], g[6]), ratio(g[3], g[6]), gradNorm,
                    ratio(g[5], g[6]), new VariantShares(ratio(g[7], g[2]), ratio(g[8], g[2]), ratio(g[9], g[2])));
        }
    }

    /** Forward, fused loss and backward of one micro-batch; adds its sums into {@code s}. */
    private static void microStep(CausalLM model, SequenceBatch sub, float[] old, float[] ref, float[] adv,
                                  float[] w, UpdateConfig cfg, Counts counts, double[] s, TokenVariants tv) {
        try (PointerScope scope = new PointerScope()) {
            boolean fused = cfg.head() == LmHeadPath.FUSED_HEAD;
            Tensor logits = fused ? null : sub.responseLogits(model);
            org.bytedeco.pytorch.Device dev = OnDevice.of(model);
            Tensor y = OnDevice.put(sub.targetTensor(), dev);
            if (old == null) {
                if (fused) old = cfg.head().tokenStats(model, sub, cfg.loss().temperature())[0];
                else try (Tensor detached = logits.detach();
                          TokenStats st = FusedKernels.tokenStats(detached, y, cfg.loss().temperature())) {
                    old = HostTensors.toFloats(st.logProbs());
                }
            }
            float[] c = GlobalCoefficients.of(cfg.aggregation(), sub.mask, sub.rows, sub.tr, counts.lMax(),
                    counts.rows(), counts.tokens());
            PolicyLossInputs in = new PolicyLossInputs(OnDevice.put(sub.perToken(old), dev),
                    ref == null ? null : OnDevice.put(sub.perToken(ref), dev), OnDevice.put(sub.perToken(adv), dev),
                    OnDevice.put(sub.perToken(w), dev), OnDevice.put(sub.perToken(c), dev));
            Tensor seq = null;
            if (cfg.loss().importanceSamplingLevel() == ImportanceSamplingLevel.SEQUENCE) {
                // GSPO's sequence ratio needs the current log-probs of the whole sequence before any gradient: one
                // token-statistics pass first (a row never spans micro-batches), so the ratio is exact at every step
                float[] now = fused ? cfg.head().tokenStats(model, sub, cfg.loss().temperature())[0]
                        : currentLogProbs(logits, y, cfg.loss().temperature());
                seq = OnDevice.put(sub.perToken(SequenceLogRatio.perToken(now, old, sub.mask, sub.rows, sub.tr)), dev);
            }
            Tensor keep = tv == null || tv.pgKeep() == null ? null
                    : OnDevice.put(HostTensors.fromBytes(bytes(tv.pgKeep()), sub.rows, sub.tr), dev);
            Tensor absKl = tv == null || tv.absKlCoef() == null ? null : OnDevice.put(sub.perToken(tv.absKlCoef()), dev);
            if (seq != null || keep != null || absKl != null) in = in.withVariants(seq, keep, absKl);
            // fused: the head's chunks run the loss and hand the gradients to autograd themselves
            try (PolicyLossResult res = fused ? cfg.head().policyLossAndBackward(model, sub, in, cfg.loss())
                    : FusedKernels.policyLoss(logits, y, in, cfg.loss())) {
                if (!fused) logits.backward(res.gradLogits(), new BoolOptional(), false, new TensorArrayRefOptional());
                int nonzero = 0;
                for (float x : c) if (x != 0f) nonzero++;
                s[0] += res.loss();
                s[1] += Math.round(res.clipFraction() * nonzero);
                s[2] += nonzero;
                double[] h = sub.maskedSums(HostTensors.toFloats(res.entropy()));
                s[3] += h[0];
                s[6] += h[1];
                if (ref != null) s[4] += sub.maskedSums(HostTensors.toFloats(res.klPerToken()))[0];   // the kernel's k3
                s[5] += sub.maskedSums(old)[0];
                if (res.clippedFlags() != null) {
                    LossVariantMetrics v = LossVariantMetrics.of(res.clippedFlags(), sub.perToken(c));
                    s[7] += v.entropyMasked() * v.liveTokens();
                    s[8] += v.pgDropped() * v.liveTokens();
                    s[9] += v.klCov() * v.liveTokens();
                }
            }
        }
    }

    /**
     * Log-probs and entropies of the response tokens under {@code model}, no gradient, [rows * tr] each in
     * {@code batch}'s layout, computed unit by unit at each unit's own widths as the update's micro-batches are
     * ({@code unitRows} 0: the whole batch in one pass).
     */
    public static float[][] tokenStats(CausalLM model, SequenceBatch batch, LmHeadPath head, double temperature,
                                       int unitRows) {
        if (unitRows <= 0) return head.tokenStats(model, batch, temperature);
        float[] logp = new float[batch.rows * batch.tr], ent = new float[batch.rows * batch.tr];
        int[] all = new int[batch.rows];
        for (int i = 0; i < all.length; i++) all[i] = i;
        for (int[] part : byUnit(all, unitRows)) {
            SequenceBatch sub = batch.compact(part);
            float[][] st = head.tokenStats(model, sub, temperature);
            batch.scatterRows(st[0], sub.tr, part, logp);
            batch.scatterRows(st[1], sub.tr, part, ent);
        }
        return new float[][] {logp, ent};
    }

    /** Log-probs of the targets under detached logits: the current policy before the loss call. */
    private static float[] currentLogProbs(Tensor logits, Tensor y, double temperature) {
        try (Tensor detached = logits.detach(); TokenStats st = FusedKernels.tokenStats(detached, y, temperature)) {
            return HostTensors.toFloats(st.logProbs());
        }
    }

    private static byte[] bytes(float[] zeroOne) {
        byte[] b = new byte[zeroOne.length];
        for (int i = 0; i < b.length; i++) b[i] = zeroOne[i] != 0f ? (byte) 1 : 0;
        return b;
    }

    /** s / n, 0 for no tokens (as {@link SequenceBatch#maskedMean}). */
    private static double ratio(double s, double n) {
        return n == 0 ? 0 : s / n;
    }

    /** A uniform random permutation of 0..n-1 (Fisher-Yates), drawn from rng. */
    public static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    static float[] gather(float[] perToken, int[] rows, int tr) {
        float[] out = new float[rows.length * tr];
        for (int i = 0; i < rows.length; i++) System.arraycopy(perToken, rows[i] * tr, out, i * tr, tr);
        return out;
    }
}
