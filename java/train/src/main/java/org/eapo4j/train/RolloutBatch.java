package org.eapo4j.train;

import java.util.List;

import org.eapo4j.model.Generation;

/**
 * The rollouts of one RL step: {@code records.size()} prompts, each sampled {@code groupSize} times; rollout i
 * belongs to prompt i / groupSize (groups are consecutive).
 *
 * @param records    the data record of each prompt
 * @param promptText the prompt of each record, as text (what a reward function sees)
 * @param prompts    the tokenized prompt of each rollout
 * @param generation the sampled completions (ids up to and including the end token, when produced)
 */
public record RolloutBatch<R>(List<R> records, List<String> promptText, int[][] prompts, Generation generation,
                              int groupSize) {
    public int size() {
        return prompts.length;
    }

    public R recordOf(int rollout) {
        return records.get(rollout / groupSize);
    }

    public String promptOf(int rollout) {
        return promptText.get(rollout / groupSize);
    }

    /** No end token within the length limit. */
    public boolean truncated(int rollout) {
        return !generation.terminated()[rollout];
    }
}
