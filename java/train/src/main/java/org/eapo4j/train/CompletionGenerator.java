package org.eapo4j.train;

import java.util.SplittableRandom;

import org.eapo4j.model.Generation;
import org.eapo4j.model.SamplingConfig;

/**
 * The trainer's one generation seam: completions of a batch of tokenized prompts. {@code CausalLMGenerator::generate}
 * fits it. All randomness must come from {@code rowRngs} (the trainer seeds them from (seed, step, group)).
 */
@FunctionalInterface
public interface CompletionGenerator {
    /**
     * {@code prompts[i]} is one rollout's prompt (a prompt repeated G times gives G rollouts of it); row i draws its
     * tokens from {@code rowRngs[i]}, a stream its prompt group's rows share, read in row order.
     */
    Generation generate(int[][] prompts, SamplingConfig sampling, SplittableRandom[] rowRngs);
}
