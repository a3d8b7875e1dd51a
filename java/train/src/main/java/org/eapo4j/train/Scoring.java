package org.eapo4j.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.eapo4j.data.PromptRecord;
import org.eapo4j.reward.RewardBreakdown;
import org.eapo4j.reward.Rewards;
import org.eapo4j.reward.Sample;

import org.eapo4j.rl.Advantages;
import org.eapo4j.rl.Collectives;
import org.eapo4j.rl.RewardScaling;

/**
 * Scoring of a step's rollouts: the rewards of every prompt group through the run's {@link Rewards} (the weighted
 * sum of its terms; each term's mean goes to the step metrics as {@code rewards/NAME/mean}), then group-relative
 * advantages ({@code scale_rewards} group | batch | none), the positive / negative / neutral split, and the loss mask
 * of truncated completions when {@code mask_truncated_completions} is on.
 */
public final class Scoring {
    private final Rewards rewards;
    private final Function<int[], String> decode;
    private final RewardScaling scaling;
    private final boolean maskTruncated;

    /**
     * @param decode        completion ids to text
     * @param maskTruncated truncated completions get no loss
     */
    public Scoring(Rewards rewards, Function<int[], String> decode, RewardScaling scaling, boolean maskTruncated) {
        this.rewards = rewards;
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
    public ScoredBatch score(RolloutBatch<PromptRecord> batch) {
        return score(batch, Collectives.NONE).local();
    }

    /**
     * Scores this rank's rollouts (group by group), then gathers every rank's rewards, flags, lengths and term
     * values (one small collective) and computes advantages and the sign split over the global batch exactly as one
     * process does, so {@code scale_rewards=batch} uses the global batch's standard deviation. Groups never span
     * ranks.
     */
    public Sharded score(RolloutBatch<PromptRecord> batch, Collectives comm) {
        int n = batch.size(), g = batch.groupSize();
        List<String> terms = rewards.names();
        int e = terms.size(), width = 4 + e;
        // per rollout: reward, truncated, loss-masked, response length, then each term's value
        double[] mine = new double[n * width];
        for (int q = 0; q < n / g; q++) {
            List<Sample> group = new ArrayList<>(g);
            for (int j = 0; j < g; j++) {
                int i = q * g + j;
                group.add(Sample.of(batch.recordOf(i), decode.apply(batch.generation().responses()[i]),
                        batch.truncated(i)));
            }
            RewardBreakdown br = rewards.score(group);   // a term that throws or returns NaN names itself
            for (int j = 0; j < g; j++) {
                int i = q * g + j;
                mine[i] = br.total()[j];
                mine[n + i] = batch.truncated(i) ? 1 : 0;
                mine[2 * n + i] = maskTruncated && batch.truncated(i) ? 1 : 0;
                mine[3 * n + i] = batch.generation().responses()[i].length;
                for (int k = 0; k < e; k++) mine[(4 + k) * n + i] = br.values(terms.get(k))[j];
            }
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
        ScoredBatch global = scored(cols, e, g);
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
        for (String name : rewards.names()) {
            double s = 0;
            for (int i = from; i < from + n; i++) s += cols[4 + k][i];
            out.put("rewards/" + name + "/mean", s / n);
            k++;
        }
        return out;
    }
}
