package org.eapo4j.train;

import java.nio.file.Path;
import java.util.Map;

/**
 * Hooks into a run, for logging to your own tools. {@link RlTrainer} calls them (on rank 0 of a data-parallel run) with the same maps it writes to
 * metrics.jsonl (same keys, see docs/TRAINING.md); every method defaults to doing nothing. The maps are the caller's
 * copies: a callback may keep them. A callback that throws stops the run.
 */
public interface TrainerCallback {
    /** After every RL step ({@code kind = "rl"}). */
    default void onStep(Map<String, Object> metrics) {}

    /** After every evaluation ({@code kind = "eval"}; {@code policy} = init, a warm-up stage's name, warmup or rl). */
    default void onEvaluation(Map<String, Object> metrics) {}

    /** After every supervised warm-up step ({@code kind = "warmup"}). */
    default void onWarmupStep(Map<String, Object> metrics) {}

    /** After a checkpoint is written. */
    default void onCheckpoint(Path file) {}

    /** At the end of {@link RlTrainer#train()}, after summary.json is written into {@code runDir}. */
    default void onRunEnd(Path runDir) {}
}
