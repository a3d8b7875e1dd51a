package org.eapo4j.cli;

import java.io.PrintStream;
import java.nio.file.Path;

import org.eapo4j.data.PromptDataset;
import org.eapo4j.hf.HfModels;
import org.eapo4j.hf.HfTokenizer;
import org.eapo4j.model.CausalLM;
import org.eapo4j.report.RunPlotsCallback;
import org.eapo4j.reward.KeyPointRewardFunction;
import org.eapo4j.reward.Rewards;
import org.eapo4j.reward.StoryReward;
import org.eapo4j.train.ConfigException;
import org.eapo4j.train.RlConfig;
import org.eapo4j.train.RlTrainer;
import org.eapo4j.train.RunLoop;
import org.eapo4j.train.RunSummary;

/**
 * {@code train --model DIR [--task stories|medqa]}: RL from a Hugging Face checkpoint through {@link RlTrainer}, on an
 * embedded task (or --train-data / --heldout-data files of that task's format). The task supplies its prompts, reward,
 * stop tokens and the defaults that suit a pretrained model (no supervised warm-up); --config and flags apply over
 * them. A run folder that already holds a checkpoint is continued.
 */
final class ModelTraining {
    private ModelTraining() {}

    /** The embedded tasks a pretrained model can be trained on. */
    enum Task {
        STORIES("stories/train.jsonl", "stories/heldout.jsonl", "prompt"),
        MEDQA("medqa/train.jsonl", "medqa/heldout.jsonl", "question");

        final String train, heldout, promptField;

        Task(String train, String heldout, String promptField) {
            this.train = train;
            this.heldout = heldout;
            this.promptField = promptField;
        }

        static Task parse(String name) {
            for (Task t : values()) if (t.name().equalsIgnoreCase(name)) return t;
            throw new ConfigException("task", "unknown task '" + name + "': stories or medqa");
        }

        /** The task's reward. */
        Rewards rewards() {
            return this == STORIES ? Rewards.builder().reward("story", 1.0, new StoryReward()).build()
                    : Rewards.builder().reward("key_points", 1.0, new KeyPointRewardFunction()).build();
        }

        /** Ids that end a completion; llama2.c-style story models end a story by starting the next one (BOS). */
        long[] stopIds(HfTokenizer tok) {
            long bos = tok.bosId();
            return this == STORIES && bos >= 0 ? new long[] {tok.eosIds()[0], bos} : tok.eosIds();
        }

        /** Defaults of a short run on a pretrained model: no warm-up, the task's own data. */
        RlConfig defaults() {
            RlConfig c = new RlConfig();
            c.trainData = train;
            c.heldoutData = heldout;
            c.sftWarmupSteps = 0;
            c.factWarmupSteps = 0;   // the fact corpus is the built-in model's stand-in for pretraining
            c.rlQuestions = 0;
            if (this == STORIES) {
                c.steps = 120;
                c.promptsPerStep = 8;
                c.numGenerations = 8;
                c.maxCompletionLength = 48;
                c.learningRate = 1e-3;   // 3e-3 and more collapse the entropy of this 260K model
                c.minibatches = 2;
                c.evalSteps = 40;
                c.saveSteps = 40;
                c.evalQuestions = 0;
                c.evalSamples = 4;
                c.trainEvalQuestions = 16;
            }
            return c;
        }
    }

    static RunSummary run(Path modelDir, String taskName, TrainOptions opts, Path out, boolean progress,
                          PrintStream console) {
        Task task = Task.parse(taskName);
        opts.refuseBuiltinOnly();
        RlConfig cfg = opts.applyOver(task.defaults());
        PromptDataset train = load(cfg.trainData, task), heldout = load(cfg.heldoutData, task);
        Path dir = out != null ? out : RunLoop.defaultOut(task.name().toLowerCase() + "-" + cfg.weighting
                .replace(':', '_').replace(',', '_'));
        try (CausalLM policy = HfModels.load(modelDir); HfTokenizer tok = HfTokenizer.load(modelDir)) {
            RlTrainer.Builder b = RlTrainer.builder().policy(policy).tokenizer(tok).prompts(train).evalPrompts(heldout)
                    .config(cfg).outputDir(dir).log(console)
                    .progress(progress ? TerminalProgress.FACTORY : null).callback(new RunPlotsCallback(dir));
            if (task == Task.STORIES) b.reward("story", 1.0, new StoryReward());
            else b.reward("key_points", 1.0, new KeyPointRewardFunction());
            b.stopTokenIds(task.stopIds(tok));
            try (RlTrainer t = b.build()) {
                t.warnings().forEach(w -> System.err.println("eapo4j: warning: " + w));
                console.println("output folder: " + dir.toAbsolutePath());
                RunSummary s = t.train();
                console.printf("done in %.0f s: %d RL steps; held-out reward %.3f -> %.3f (best-of-G %.3f -> %.3f); "
                                + "fine-tuned model %s%n", s.wallSecondsThisSession(), s.rlSteps(),
                        s.heldout(false, "reward_mean"), s.heldout(true, "reward_mean"), s.heldout(false, "best_of_g"),
                        s.heldout(true, "best_of_g"), s.hfModelDir());
                return s;
            }
        }
    }

    static PromptDataset load(String nameOrPath, Task task) {
        java.nio.file.Path p = Path.of(nameOrPath);
        return java.nio.file.Files.exists(p) ? PromptDataset.fromJsonl(p, task.promptField)
                : PromptDataset.fromResource(nameOrPath, task.promptField);
    }
}
