package org.eapo4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.eapo4j.parallel.GroupShard;
import org.eapo4j.model.Generation;
import org.eapo4j.model.SamplingConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A step's rollouts are a function of (seed, step, group): the ranks' shards of a step, put side by side in rank
 * order, are the one-process batch, whatever the number of ranks (the generator here draws every token from the
 * stream it is given, so any dependence on the batch would show).
 */
class ShardedRolloutsTest {
    private static final CompletionGenerator RANDOM = (prompts, sampling, rngs) -> {
        int[][] out = new int[prompts.length][];
        boolean[] ended = new boolean[prompts.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = rngs[i].ints(1 + rngs[i].nextInt(5), 0, 50).toArray();
            ended[i] = rngs[i].nextBoolean();
        }
        return new Generation(prompts, out, ended);
    };

    private static Rollouts<Integer> rollouts(int generationBatchSize) {
        List<Integer> pool = IntStream.range(0, 11).boxed().toList();
        return new Rollouts<>(pool, q -> "question " + q, s -> new int[] {1, s.length()}, RANDOM, 5, 3,
                generationBatchSize, new SamplingConfig(1, 0, 1, 8), 42);
    }

    @ParameterizedTest(name = "generation batch {0}")
    @ValueSource(ints = {0, 3, 6})
    void shardsInRankOrderAreTheWholeBatchForAnyWorldSize(int generationBatchSize) {
        Rollouts<Integer> r = rollouts(generationBatchSize);
        for (int step = 1; step <= 3; step++) {
            RolloutBatch<Integer> whole = r.sample(step);
            assertEquals(15, whole.size());
            for (int world = 2; world <= 5; world++) {
                List<int[]> responses = new ArrayList<>();
                List<Integer> records = new ArrayList<>();
                List<Boolean> ended = new ArrayList<>();
                for (int rank = 0; rank < world; rank++) {
                    RolloutBatch<Integer> part = r.sample(step, GroupShard.contiguous(5, world, rank));
                    records.addAll(part.records());
                    for (int i = 0; i < part.size(); i++) {
                        responses.add(part.generation().responses()[i]);
                        ended.add(part.generation().terminated()[i]);
                    }
                }
                assertEquals(whole.records(), records, "records, world " + world);
                for (int i = 0; i < whole.size(); i++) {
                    assertArrayEquals(whole.generation().responses()[i], responses.get(i), "rollout " + i);
                    assertEquals(whole.generation().terminated()[i], ended.get(i), "rollout " + i);
                }
            }
        }
    }

    @Test
    void generationBatchSizeMustHoldWholeGroups() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rollouts(4));
        assertTrue(e.getMessage().contains("generationBatchSize"), e.getMessage());
    }
}
