package org.eapo4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.eapo4j.hf.EmbeddedModels;
import org.eapo4j.hf.HfModels;
import org.eapo4j.hf.HfTokenizer;
import org.eapo4j.model.CausalLM;
import org.eapo4j.model.CausalLMGenerator;
import org.eapo4j.model.NonFiniteLogitsException;
import org.eapo4j.model.Sampler;
import org.eapo4j.model.SamplingConfig;
import org.eapo4j.task.StoriesTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A diverged policy is named, never scored: a model with a NaN weight is refused before evaluation (naming the
 * parameter), its NaN logits stop sampling naming the row, and a trainer refuses to train from it; the padding ids
 * beyond the tokenizer's vocabulary are never drawn.
 */
class NonFiniteModelTest {
    @TempDir Path dir;

    private static void poison(CausalLM m, String name) {
        try (NoGradGuard g = new NoGradGuard()) {
            m.namedParameters().get(name).fill_(new Scalar(Double.NaN));
        }
    }

    @Test
    void aNanWeightIsNamedBeforeAnyEvaluationOrTraining() {
        Path model = EmbeddedModels.stories260K();
        try (CausalLM policy = HfModels.load(model); HfTokenizer tok = HfTokenizer.load(model)) {
            String name = policy.namedParameters().keySet().iterator().next();
            poison(policy, name);
            StoriesTask task = new StoriesTask();
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> RlTrainer.evaluate(policy,
                    tok, task.evalPrompts().records().subList(0, 1), task.rewards(), task.stopIds(tok), 2,
                    new SamplingConfig(1.0, 0, 1.0, 8), 1));
            assertTrue(e.getMessage().contains(name) && e.getMessage().contains("NaN"), e.getMessage());
            RlConfig c = LossVariantsTrainingTest.tiny();
            try (RlTrainer t = RlTrainer.builder().policy(policy).tokenizer(tok).task(task).config(c)
                    .outputDir(dir.resolve("nan")).build()) {
                e = assertThrows(TrainingDivergedException.class, t::train);
                assertTrue(e.getMessage().contains(name), e.getMessage());
            }
        }
    }

    @Test
    void nanLogitsStopSamplingNamingTheRow() {
        Path model = EmbeddedModels.stories260K();
        try (CausalLM policy = HfModels.load(model)) {
            poison(policy, "model.norm.weight");   // every logit NaN
            CausalLMGenerator gen = new CausalLMGenerator(policy, new long[] {2}, 0);
            for (SamplingConfig s : List.of(new SamplingConfig(1.0, 0, 1.0, 4), SamplingConfig.greedy(4))) {
                NonFiniteLogitsException e = assertThrows(NonFiniteLogitsException.class, () -> gen.generate(
                        new long[][] {{1, 403}, {1, 407}}, s, Sampler.rng(1, 1, 1)));
                assertEquals(0, e.row());
                assertTrue(e.getMessage().contains("row 0"), e.getMessage());
            }
        }
    }

    @Test
    void idsBeyondTheTokenizersVocabularyAreNeverDrawn() {
        Path model = EmbeddedModels.stories260K();
        try (CausalLM policy = HfModels.load(model)) {
            try (NoGradGuard g = new NoGradGuard()) {   // make the last 12 ids overwhelmingly likely
                Tensor head = policy.namedParameters().containsKey("lm_head.weight")
                        ? policy.namedParameters().get("lm_head.weight")
                        : policy.namedParameters().get("model.embed_tokens.weight");
                head.narrow(0, 500, 12).fill_(new Scalar(5.0));
            }
            CausalLMGenerator gen = new CausalLMGenerator(policy, new long[] {2}, 0, 500);
            var out = gen.generate(new long[][] {{1, 403}, {1, 407}, {1, 261}}, new SamplingConfig(1.0, 0, 1.0, 8),
                    Sampler.rng(3, 1, 1));
            for (int[] r : out.responses()) for (int id : r) assertTrue(id < 500, "drew padding id " + id);
        }
    }
}
