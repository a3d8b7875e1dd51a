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

    /**
     * Once, at the end of a run (after its last step, evaluation and checkpoint, before summary.json is written), on
     * the process that writes the run folder; {@code runDir} is that folder, with its complete metrics.jsonl.
     */
    default void onRunEnd(Path runDir) {}
}
