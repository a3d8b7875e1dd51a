package org.eapo4j.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.eapo4j.rl.Advantages;
import org.eapo4j.rl.Collectives;
import org.eapo4j.rl.RewardScaling;

/**
 * Scoring of a step's rollouts: the reward of every completion through the {@link CompletionScorer} seam, then
 * group-relative advantages ({@code scale_rewards} group | batch | none), the positive / negative / neutral split,
 * and the loss mask of truncated completions when {@code mask_truncated_completions} is on.
 *
 * @param <R> the data record type
 */
public final class Scoring<R> {
    private final CompletionScorer<R> reward;
    private final Map<String, CompletionScorer<R>> extras;
    private final Function<int[], String> decode;
    private final RewardScaling scaling;
    private final boolean maskTruncated;

    /**
     * @param reward        the reward function
     * @param extras        further per-completion figures to average into the step metrics, by metric name
     * @param decode        completion ids to text
     * @param maskTruncated truncated completions get no loss
     */
    public Scoring(CompletionScorer<R> reward, Map<String, CompletionScorer<R>> extras, Function<int[], String> decode,
                   RewardScaling scaling, boolean maskTruncated) {
        this.reward = reward;
        this.extras = new LinkedHashMap<>(extras);
        this.decode = decode;
        this.scaling = scaling;
        this.maskTruncated = maskTruncated;
    }

    /**
     * What a data-parallel rank scored: its own rollouts ({@code local}, advantages over the global batch), the
     * whole step's batch ({@code global}: the ranks' rollouts in rank order, for the metrics) and the mean
     * response length of the whole batch. For one process both are the same.
     */
    public record Sharded(ScoredBatch local, ScoredBatch global, double meanResponseLength) {}

    /** One process: every rollout of the step. */
    public ScoredBatch score(RolloutBatch<R> batch) {
        return score(batch, Collectives.NONE).local();
    }

    /**
     * Scores this rank's rollouts, then gathers every rank's rewards, flags, lengths and extras (one small
     * collective) and computes advantages and the sign split over the global batch exactly as one process does, so
     * {@code scale_rewards=batch} uses the global batch's standard deviation. Groups never span ranks.
     */
    public Sharded score(RolloutBatch<R> batch, Collectives comm) {
        int n = batch.size(), e = extras.size(), width = 4 + e;
        // per rollout: reward, truncated, loss-masked, response length, then each extra
        double[] mine = new double[n * width];
        List<CompletionScorer<R>> ex = new ArrayList<>(extras.values());
        for (int i = 0; i < n; i++) {
            String prompt = batch.promptOf(i), text = decode.apply(batch.generation().responses()[i]);
            R rec = batch.recordOf(i);
            boolean truncated = batch.truncated(i);
            double r = reward.score(prompt, text, rec, truncated);
            if (!Double.isFinite(r))
                throw new IllegalStateException("the reward function returned " + r + " for rollout " + i
                        + " (prompt '" + prompt + "')");
            mine[i] = r;
            mine[n + i] = truncated ? 1 : 0;
            mine[2 * n + i] = maskTruncated && truncated ? 1 : 0;
            mine[3 * n + i] = batch.generation().responses()[i].length;
            for (int k = 0; k < e; k++) mine[(4 + k) * n + i] = ex.get(k).score(prompt, text, rec, truncated);
        }
        double[][] all = comm.gather(mine);
        int total = 0, offset = 0;
        for (int rk = 0; rk < all.length; rk++) {
            if (rk < comm.rank()) offset += all[rk].length / width;
            total += all[rk].length / width;
        }
        double[][] cols = new double[width][total];   // the global batch, column by column
        for (int rk = 0, at = 0; rk < all.length; rk++) {
            int m = all[rk].length / width;
            for (int c = 0; c < width; c++) System.arraycopy(all[rk], c * m, cols[c], at, m);
            at += m;
        }
        ScoredBatch global = scored(cols, e, batch.groupSize());
        ScoredBatch local = slice(global, offset, n, mine, e);
        double len = 0;
        for (double l : cols[3]) len += l;
        return new Sharded(local, global, len / total);
    }

    private ScoredBatch scored(double[][] cols, int e, int groupSize) {
        int n = cols[0].length;
        double[] r = cols[0];
        boolean[] truncated = new boolean[n], masked = new boolean[n];
        for (int i = 0; i < n; i++) {
            truncated[i] = cols[1][i] != 0;
            masked[i] = cols[2][i] != 0;
        }
        double[] adv = Advantages.compute(r, groupSize, scaling);
        return new ScoredBatch(r, adv, Advantages.split(r, groupSize), truncated, masked, means(cols, e, 0, n));
    }

    /** Rollouts [offset, offset + n) of the global batch; their extras averaged from this rank's values. */
    private ScoredBatch slice(ScoredBatch g, int offset, int n, double[] mine, int e) {
        double[][] cols = new double[4 + e][];
        for (int c = 0; c < cols.length; c++) cols[c] = Arrays.copyOfRange(mine, c * n, (c + 1) * n);
        return new ScoredBatch(Arrays.copyOfRange(g.rewards(), offset, offset + n),
                Arrays.copyOfRange(g.advantages(), offset, offset + n),
                Arrays.copyOfRange(g.signs(), offset, offset + n), Arrays.copyOfRange(g.truncated(), offset, offset + n),
                Arrays.copyOfRange(g.lossMasked(), offset, offset + n), means(cols, e, 0, n));
    }

    private Map<String, Double> means(double[][] cols, int e, int from, int n) {
        Map<String, Double> out = new LinkedHashMap<>();
        int k = 0;
        for (String name : extras.keySet()) {
            double s = 0;
            for (int i = from; i < from + n; i++) s += cols[4 + k][i];
            out.put(name, s / n);
            k++;
        }
        return out;
    }

    /**
     * Advantages, the sign split and the truncation mask of rewards computed elsewhere (e.g. by a group reward):
     * {@code rewards[i]} is rollout i's reward, {@code extras} the metric means to log beside it.
     */
    public static ScoredBatch fromRewards(RolloutBatch<?> batch, double[] rewards, Map<String, Double> extras,
                                          RewardScaling scaling, boolean maskTruncated) {
        int n = batch.size();
        if (rewards.length != n) throw new IllegalArgumentException("rewards: " + rewards.length + " for " + n + " rollouts");
        boolean[] truncated = new boolean[n], masked = new boolean[n];
        for (int i = 0; i < n; i++) {
            truncated[i] = batch.truncated(i);
            masked[i] = maskTruncated && truncated[i];
        }
        double[] adv = Advantages.compute(rewards, batch.groupSize(), scaling);
        return new ScoredBatch(rewards, adv, Advantages.split(rewards, batch.groupSize()), truncated, masked,
                new LinkedHashMap<>(extras));
    }
}
