package org.eapo4j.train;

import java.util.Map;

import org.eapo4j.rl.Advantages;

/**
 * Rewards and advantages of one step's rollouts (one entry per rollout).
 *
 * @param rewards     the reward of each completion
 * @param advantages  group-relative advantages, scaled per {@code scale_rewards}
 * @param signs       the positive / negative / neutral split by the group mean
 * @param truncated   the completion hit the length limit without the end token
 * @param lossMasked  the completion carries no loss (truncated, with mask_truncated_completions)
 * @param extras      means over the rollouts of the extra per-completion figures (e.g. coverage)
 */
public record ScoredBatch(double[] rewards, double[] advantages, Advantages.Sign[] signs, boolean[] truncated,
                          boolean[] lossMasked, Map<String, Double> extras) {
    public int size() {
        return rewards.length;
    }

    public int count(Advantages.Sign s) {
        int n = 0;
        for (Advantages.Sign x : signs) if (x == s) n++;
        return n;
    }

    public double truncatedFraction() {
        int n = 0;
        for (boolean t : truncated) if (t) n++;
        return (double) n / truncated.length;
    }
}
