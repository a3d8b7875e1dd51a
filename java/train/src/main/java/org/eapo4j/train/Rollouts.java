package org.eapo4j.train;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.eapo4j.model.Generation;
import org.eapo4j.model.Sampler;
import org.eapo4j.model.SamplingConfig;
import org.eapo4j.rl.PolicyUpdate;

/**
 * Rollout of an RL step: draws the step's prompts from the pool (a permutation seeded by (seed, step)) and samples
 * G completions of each through the {@link CompletionGenerator} seam, with a generator stream seeded by
 * (seed, step), so a step's rollouts are a function of the policy, the seed and the step only.
 *
 * @param <R> the data record type
 */
public final class Rollouts<R> {
    static final int S_PROMPTS = 1, S_SAMPLE = 2;   // RNG streams of Sampler.rng(seed, step, stream)

    private final List<R> pool;
    private final Function<R, String> promptText;
    private final Function<String, int[]> encode;
    private final CompletionGenerator generator;
    private final int promptsPerStep, groupSize;
    private final SamplingConfig sampling;
    private final long seed;

    /**
     * @param pool       the records RL draws from
     * @param promptText the prompt of a record as text
     * @param encode     prompt text to token ids
     */
    public Rollouts(List<R> pool, Function<R, String> promptText, Function<String, int[]> encode,
                    CompletionGenerator generator, int promptsPerStep, int groupSize, SamplingConfig sampling,
                    long seed) {
        if (pool.isEmpty()) throw new IllegalArgumentException("empty prompt pool");
        this.pool = List.copyOf(pool);
        this.promptText = promptText;
        this.encode = encode;
        this.generator = generator;
        this.promptsPerStep = Math.min(promptsPerStep, pool.size());
        this.groupSize = groupSize;
        this.sampling = sampling;
        this.seed = seed;
    }

    /** The prompts of RL step {@code step} (1-based) and their G completions each. */
    public RolloutBatch<R> sample(int step) {
        int[] order = PolicyUpdate.permutation(pool.size(), Sampler.rng(seed, step, S_PROMPTS));
        List<R> records = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        int[][] prompts = new int[promptsPerStep * groupSize][];
        for (int q = 0; q < promptsPerStep; q++) {
            R r = pool.get(order[q]);
            String text = promptText.apply(r);
            records.add(r);
            texts.add(text);
            int[] p = encode.apply(text);
            for (int j = 0; j < groupSize; j++) prompts[q * groupSize + j] = p;
        }
        Generation out = generator.generate(prompts, sampling, Sampler.rng(seed, step, S_SAMPLE));
        return new RolloutBatch<>(records, texts, prompts, out, groupSize);
    }
}
