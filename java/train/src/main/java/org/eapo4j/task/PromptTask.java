package org.eapo4j.task;

import org.eapo4j.data.PromptDataset;
import org.eapo4j.reward.Rewards;

/**
 * Your prompts and reward functions as a task (what {@code RlTrainer.builder().prompts(...).reward(...)} builds):
 * no defaults beyond the library's, the EOS ids of the tokenizer, a supervised stage on the records' reference field
 * when {@code sft_warmup_steps} > 0.
 */
public record PromptTask(String name, PromptDataset trainPrompts, PromptDataset evalPrompts, Rewards rewards)
        implements Task {
    public PromptTask {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("name: must not be blank");
        if (trainPrompts == null) throw new IllegalArgumentException("prompts: not set");
        if (trainPrompts.size() == 0)
            throw new IllegalArgumentException("prompts: empty data set " + trainPrompts.source());
        if (rewards == null || rewards.names().isEmpty())
            throw new IllegalArgumentException("reward: no reward function registered");
    }
}
