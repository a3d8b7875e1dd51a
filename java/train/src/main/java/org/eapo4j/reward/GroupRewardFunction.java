package org.eapo4j.reward;

import java.util.List;

/**
 * Scores a whole group of completions at once (e.g. the completions of one prompt, for rewards that compare them,
 * or a batch sent to an external scorer). Returns one finite value per sample, in the group's order; the returned
 * array belongs to the caller.
 */
@FunctionalInterface
public interface GroupRewardFunction {
    double[] score(List<Sample> group);

    /** Scores each sample of the group with {@code fn}, one at a time. */
    static GroupRewardFunction of(RewardFunction fn) {
        if (fn == null) throw new IllegalArgumentException("fn must not be null");
        return group -> {
            double[] out = new double[group.size()];
            for (int i = 0; i < out.length; i++) out[i] = fn.score(group.get(i));
            return out;
        };
    }
}
