package org.eapo4j.train;

import java.util.SplittableRandom;

import org.eapo4j.model.Generation;
import org.eapo4j.model.SamplingConfig;

/**
 * The trainer's one generation seam: completions of a batch of tokenized prompts. The built-in model plugs in
 * {@code new Generator(model, eos, pad)::generate}; any {@code CausalLM} generator with this shape fits.
 * All randomness must come from {@code rng} (the trainer seeds it from (seed, step)).
 */
@FunctionalInterface
public interface CompletionGenerator {
    /** {@code prompts[i]} is one rollout's prompt (a prompt repeated G times gives G rollouts of it). */
    Generation generate(int[][] prompts, SamplingConfig sampling, SplittableRandom rng);
}
