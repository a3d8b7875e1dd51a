package org.eapo4j.examples;

import java.nio.file.Path;

import org.eapo4j.data.PromptDataset;
import org.eapo4j.hf.HfModels;
import org.eapo4j.hf.HfTokenizer;
import org.eapo4j.model.CausalLM;
import org.eapo4j.train.RlConfig;
import org.eapo4j.train.RlTrainer;
import org.eapo4j.train.RunSummary;

/**
 * RL fine-tuning of a Hugging Face checkpoint with a reward written as a lambda, from Java:
 *
 * <pre>
 *   java -cp ... org.eapo4j.examples.FineTuneWithALambda data/models/stories260K runs/example [steps]
 * </pre>
 *
 * The reward asks for stories that bring in a dog and stay short; EAPO weights the samples that beat their group by
 * the ratio of current to initial policy entropy. The fine-tuned model lands in {@code <out>/hf-model}, loadable by
 * {@code HfModels.load} (and by transformers).
 */
public final class FineTuneWithALambda {
    private FineTuneWithALambda() {}

    public static void main(String[] args) {
        Path modelDir = Path.of(args.length > 0 ? args[0] : "data/models/stories260K");
        Path out = Path.of(args.length > 1 ? args[1] : "runs/example");
        RlConfig cfg = new RlConfig();
        cfg.steps = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        cfg.sftWarmupSteps = 0;            // the model is pretrained: no supervised warm-up
        cfg.promptsPerStep = 4;
        cfg.numGenerations = 4;
        cfg.maxCompletionLength = 32;
        cfg.learningRate = 5e-3;
        cfg.evalSteps = 0;                  // evaluate at the start and the end only
        cfg.evalSamples = 2;
        cfg.trainEvalQuestions = 4;
        cfg.weighting = "eapo";

        try (CausalLM policy = HfModels.load(modelDir); HfTokenizer tokenizer = HfTokenizer.load(modelDir);
             RlTrainer trainer = RlTrainer.builder()
                     .policy(policy)
                     .tokenizer(tokenizer)
                     .prompts(PromptDataset.fromResource("stories/train.jsonl"))
                     .reward("dog", 1.0, s -> s.completion().toLowerCase().contains("dog") ? 1.0 : 0.0)
                     .reward("short", 0.5, s -> s.truncated() ? 0.0 : 1.0)
                     .stopTokenIds(tokenizer.eosIds()[0], tokenizer.bosId())   // a story ends when the next begins
                     .config(cfg)
                     .outputDir(out)
                     .log(System.out)
                     .build()) {
            RunSummary s = trainer.train();
            System.out.printf("%d steps, train-prompt reward %.3f -> %.3f, model saved to %s%n", s.rlSteps(),
                    trainReward(s, false), trainReward(s, true), s.hfModelDir());
        }
    }

    private static double trainReward(RunSummary s, boolean last) {
        Object v = (last ? s.lastEvaluation() : s.firstEvaluation()).get("train_reward_mean");
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
