package org.eapo4j.train;

/**
 * The trainer's one reward seam: the score of one completion. {@code record} is the data item the prompt came from
 * (for the embedded task a {@code QaItem} with its key points); {@code truncated} says the completion hit the length
 * limit without the end token. The built-in medical QA task plugs in {@code KeyPointReward}; any reward function
 * with this shape fits. The same interface also computes the extra per-completion figures logged beside the reward
 * (for the embedded task, key-point coverage).
 *
 * @param <R> the type of the data records
 */
@FunctionalInterface
public interface CompletionScorer<R> {
    double score(String prompt, String completion, R record, boolean truncated);
}
