package org.eapo4j.rl;

import java.util.Map;

/**
 * Chooses the sample weights (lambda_pos, lambda_neg) of each step. {@link #next} is called once per step with the
 * step's rollout entropy H_t (mask-weighted mean token entropy under the pre-update policy). Schedules with memory
 * expose it through {@link #state()} / {@link #restore} so a checkpoint resumes them exactly.
 */
public interface WeightingSchedule {
    /** The weights of a step. */
    record Weights(double lambdaPos, double lambdaNeg) {}

    Weights next(double entropy);

    /** A short name for logs and reports (e.g. "eapo", "grpo", "fixed:0.5,1"). */
    String name();

    default Map<String, Double> state() {
        return Map.of();
    }

    default void restore(Map<String, Double> state) {}
}
