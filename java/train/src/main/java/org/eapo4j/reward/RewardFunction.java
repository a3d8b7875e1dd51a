package org.eapo4j.reward;

/**
 * Scores one completion. Implementations must be pure functions of the sample (the trainer may call them in any
 * order, and from several threads) and return a finite number; a throw or a NaN/infinite value stops the step with
 * a {@link RewardException} naming the reward and the record.
 */
@FunctionalInterface
public interface RewardFunction {
    double score(Sample s);
}
