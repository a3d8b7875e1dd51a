package org.eapo4j.task;

import java.util.List;

import org.eapo4j.data.PromptDataset;
import org.eapo4j.model.Tokenizer;
import org.eapo4j.reward.Rewards;
import org.eapo4j.train.RlConfig;

/**
 * What a run trains on, as an object (nanochat's tasks, TRL's dataset + reward functions): the train and held-out
 * prompts, the reward, the ids that end a completion, the settings the task needs over the library's defaults, and
 * optional supervised warm-up stages. {@link org.eapo4j.train.RlTrainer} runs every task through the same update
 * code. {@link StoriesTask} and {@link MedqaTask} are the embedded ones; {@link PromptTask} wraps your JSONL and
 * reward functions.
 */
public interface Task {
    /** Short name, recorded as the run's {@code task} setting (config.json, plot titles, resume). */
    String name();

    /** The prompts RL draws from (the first {@code rl_questions}, 0 = all). */
    PromptDataset trainPrompts();

    /** Held-out prompts for evaluation, or null (then only the first {@code train_eval_questions} are evaluated). */
    default PromptDataset evalPrompts() {
        return null;
    }

    Rewards rewards();

    /** Ids that end a completion (default: the tokenizer's EOS ids). */
    default long[] stopIds(Tokenizer tok) {
        return tok.eosIds();
    }

    /**
     * The library defaults with the values this task needs (its learning rate, lengths, warm-up steps...); a config
     * file and flags apply over them.
     */
    default RlConfig defaults() {
        RlConfig c = new RlConfig();
        c.task = name();
        return c;
    }

    /**
     * What the data will cut or cap in a run of {@code cfg} on a model of {@code maxPositions} positions (one line
     * each; the trainer reports them with its own warnings). None by default.
     */
    default List<String> warnings(RlConfig cfg, Tokenizer tok, int maxPositions) {
        return List.of();
    }

    /**
     * Supervised stages before RL, in order (none unless {@code sft_warmup_steps} > 0: then one stage on the train
     * records' reference field, {@link WarmupStage#onReferenceField}).
     */
    default List<WarmupStage> warmupStages(RlConfig cfg, Tokenizer tok) {
        return cfg.sftWarmupSteps > 0 ? List.of(WarmupStage.onReferenceField(trainPrompts(), cfg, tok))
                : List.of();
    }
}
