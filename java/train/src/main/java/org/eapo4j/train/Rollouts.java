package org.eapo4j.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

import org.eapo4j.parallel.GroupShard;
import org.eapo4j.model.Generation;
import org.eapo4j.model.Sampler;
import org.eapo4j.model.SamplingConfig;
import org.eapo4j.rl.PolicyUpdate;

/**
 * Rollout of an RL step: draws the step's prompts from the pool (a permutation seeded by (seed, step)) and samples
 * G completions of each through the {@link CompletionGenerator} seam. Each prompt group draws from its own stream
 * seeded by (seed, step, group), so a step's rollouts are a function of the policy, the seed and the step only, and a
 * data-parallel rank can roll out its own groups ({@link #sample(int, GroupShard)}) of the same global batch.
 * Groups are decoded together, {@code generationBatchSize} completions per generator call (every weight read serves
 * them all); a group decodes the same tokens in any batch up to the float summation order of the batched forward
 * (padding and GEMM shapes), which can move a draw that falls on a boundary of the sampling distribution. A
 * generation batch of one group (G completions) makes a run bit-identical for any number of processes.
 *
 * @param <R> the data record type
 */
public final class Rollouts<R> {
    static final int S_PROMPTS = 1, S_SAMPLE = 2;   // RNG streams of Sampler.rng(seed, step, stream)

    private final List<R> pool;
    private final Function<R, String> promptText;
    private final Function<String, int[]> encode;
    private final CompletionGenerator generator;
    private final int promptsPerStep, groupSize, groupsPerCall;
    private final SamplingConfig sampling;
    private final long seed;

    /**
     * @param pool       the records RL draws from
     * @param promptText the prompt of a record as text
     * @param encode     prompt text to token ids
     * @param generationBatchSize completions per generator call, a multiple of {@code groupSize}; 0 = all of the
     *                            shard's completions in one call
     */
    public Rollouts(List<R> pool, Function<R, String> promptText, Function<String, int[]> encode,
                    CompletionGenerator generator, int promptsPerStep, int groupSize, int generationBatchSize,
                    SamplingConfig sampling, long seed) {
        if (generationBatchSize < 0 || generationBatchSize % groupSize != 0)
            throw new IllegalArgumentException("generationBatchSize: " + generationBatchSize + " is not a multiple of "
                    + "the group size " + groupSize + " (or 0)");
        if (pool.isEmpty()) throw new IllegalArgumentException("empty prompt pool");
        this.pool = List.copyOf(pool);
        this.promptText = promptText;
        this.encode = encode;
        this.generator = generator;
        this.promptsPerStep = Math.min(promptsPerStep, pool.size());
        this.groupSize = groupSize;
        this.groupsPerCall = generationBatchSize == 0 ? Integer.MAX_VALUE : generationBatchSize / groupSize;
        this.sampling = sampling;
        this.seed = seed;
    }

    /** The prompts of RL step {@code step} (1-based) and their G completions each: every group of the step. */
    public RolloutBatch<R> sample(int step) {
        return sample(step, GroupShard.contiguous(promptsPerStep, 1, 0));
    }

    /** Prompt groups of one step (the configured prompts per step, capped by the pool). */
    public int groupsPerStep() {
        return promptsPerStep;
    }

    /**
     * The groups of RL step {@code step} that {@code shard} owns, in ascending group order. Group g is the prompt at
     * position g of the step's permutation of the pool and samples its G completions from its own stream
     * {@link GroupShard#forGroup(long, long, long, int)}(seed, step, S_SAMPLE, g): a function of (seed, step, group)
     * only, so the union over ranks is the same batch for any number of ranks.
     */
    public RolloutBatch<R> sample(int step, GroupShard shard) {
        if (shard.totalGroups() != promptsPerStep)
            throw new IllegalArgumentException("shard has " + shard.totalGroups() + " groups, the step "
                    + promptsPerStep);
        int[] order = PolicyUpdate.permutation(pool.size(), Sampler.rng(seed, step, S_PROMPTS));
        int[] groups = shard.groups();
        List<R> records = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        int n = groups.length * groupSize;
        int[][] prompts = new int[n][], responses = new int[n][];
        boolean[] terminated = new boolean[n];
        SplittableRandom[] rngs = new SplittableRandom[n];
        for (int q = 0; q < groups.length; q++) {
            R r = pool.get(order[groups[q]]);
            String text = promptText.apply(r);
            records.add(r);
            texts.add(text);
            int[] p = encode.apply(text);
            SplittableRandom rng = GroupShard.forGroup(seed, step, S_SAMPLE, groups[q]);
            for (int j = 0; j < groupSize; j++) {
                prompts[q * groupSize + j] = p;
                rngs[q * groupSize + j] = rng;
            }
        }
        for (int q0 = 0; q0 < groups.length; q0 += groupsPerCall) {
            int from = q0 * groupSize, to = Math.min(groups.length, q0 + groupsPerCall) * groupSize;
            Generation out = generator.generate(Arrays.copyOfRange(prompts, from, to), sampling,
                    Arrays.copyOfRange(rngs, from, to));
            for (int i = from; i < to; i++) {
                responses[i] = out.responses()[i - from];
                terminated[i] = out.terminated()[i - from];
            }
        }
        return new RolloutBatch<>(records, texts, prompts, new Generation(prompts, responses, terminated), groupSize);
    }
}
