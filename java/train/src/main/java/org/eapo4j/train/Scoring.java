package org.eapo4j.train;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

import org.eapo4j.rl.Advantages;
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

    public ScoredBatch score(RolloutBatch<R> batch) {
        int n = batch.size();
        double[] r = new double[n];
        boolean[] truncated = new boolean[n], masked = new boolean[n];
        Map<String, Double> sums = new LinkedHashMap<>();
        extras.keySet().forEach(k -> sums.put(k, 0.0));
        for (int i = 0; i < n; i++) {
            String prompt = batch.promptOf(i), text = decode.apply(batch.generation().responses()[i]);
            R rec = batch.recordOf(i);
            truncated[i] = batch.truncated(i);
            masked[i] = maskTruncated && truncated[i];
            r[i] = reward.score(prompt, text, rec, truncated[i]);
            if (!Double.isFinite(r[i]))
                throw new IllegalStateException("the reward function returned " + r[i] + " for rollout " + i
                        + " (prompt '" + prompt + "')");
            for (Map.Entry<String, CompletionScorer<R>> e : extras.entrySet())
                sums.merge(e.getKey(), e.getValue().score(prompt, text, rec, truncated[i]), Double::sum);
        }
        sums.replaceAll((k, v) -> v / n);
        return fromRewards(batch, r, sums, scaling, maskTruncated);
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
