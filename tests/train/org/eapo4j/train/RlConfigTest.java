package org.eapo4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration's JSON form (TRL names, round trip, unknown fields) and its one validation layer. */
class RlConfigTest {
    @TempDir Path dir;

    @Test
    void jsonUsesSnakeCaseAndTrlNames() {
        for (String k : List.of("steps", "seed", "prompts_per_step", "num_generations", "max_completion_length",
                "temperature", "top_p", "top_k", "learning_rate", "epsilon", "epsilon_high", "beta", "loss_type",
                "scale_rewards", "mask_truncated_completions", "weighting", "eapo_alpha", "num_iterations",
                "sft_warmup_steps", "eval_steps", "save_steps", "device", "lora_r", "lora_alpha", "lora_dropout",
                "lora_target_modules"))
            assertTrue(RlConfig.fieldNames().contains(k), k);
        for (String k : List.of("d_model", "layers", "heads", "d_ff", "max_len"))   // the built-in model's, not here
            assertTrue(!RlConfig.fieldNames().contains(k), k);
        for (String k : RlConfig.fieldNames()) assertEquals(k.toLowerCase(java.util.Locale.ROOT), k);
    }

    /** A TRL-style minimal config for a pretrained model is complete: no warm-up, no data files, no model sizes. */
    @Test
    void libraryDefaultsSuitAPretrainedPolicy() {
        RlConfig c = new RlConfig();
        assertEquals(0, c.sftWarmupSteps);
        assertEquals(0, c.factWarmupSteps);
        assertEquals("", c.trainData);
        assertEquals("cpu", c.device);
        assertEquals(0, c.loraR);
        assertEquals(c, c.validate());
        c.device = "gpu";
        assertEquals("device", assertThrows(ConfigException.class, c::validate).fields().get(0));
        c.device = "cuda:1";
        c.validate();
        c.loraR = 8;
        c.loraDropout = 1.5;
        assertEquals("lora_dropout", assertThrows(ConfigException.class, c::validate).fields().get(0));
    }

    @Test
    void roundTripThroughAFile() throws IOException {
        RlConfig c = new RlConfig();
        c.learningRate = 1e-5;
        c.scaleRewards = "batch";
        c.maskTruncatedCompletions = true;
        c.weighting = "fixed:0.5,1";
        Path f = dir.resolve("c.json");
        Files.writeString(f, c.toJson());
        RlConfig back = RlConfig.fromJson(f);
        assertEquals(c.toJson(), back.toJson());
        assertEquals(List.of(), ResumePolicy.diff(c, back));
    }

    @Test
    void eapoFormReachesTheWeighting() {
        RlConfig c = new RlConfig();
        assertEquals(org.eapo4j.rl.EapoWeighting.Config.DEFAULT, c.eapoConfig());   // power: today's EAPO, unchanged
        c.eapoForm = "linear";
        c.eapoAlpha = 2;
        assertEquals(org.eapo4j.rl.EapoWeighting.Form.LINEAR, c.validate().eapoConfig().form());
        c.eapoForm = "exp";
        ConfigException e = assertThrows(ConfigException.class, c::validate);
        assertEquals("eapo_form", e.fields().get(0));
        assertTrue(e.getMessage().contains("must be one of power, linear"), e.getMessage());
    }

    @Test
    void unknownFieldsAreNamedAllAtOnce() throws IOException {
        Path f = dir.resolve("u.json");
        Files.writeString(f, "{\"steps\": 3, \"stepz\": 1, \"lr\": 0.1}");
        ConfigException e = assertThrows(ConfigException.class, () -> RlConfig.fromJson(f));
        assertTrue(e.getMessage().contains("unknown fields 'stepz', 'lr' (now 'learning_rate')"), e.getMessage());
        assertEquals(List.of("config", "stepz", "lr"), e.fields());
    }

    @Test
    void overlayKeepsTheFieldsTheFileDoesNotName() throws IOException {
        Path f = dir.resolve("o.json");
        Files.writeString(f, "{\"steps\": 7}");
        RlConfig base = new RlConfig();
        base.learningRate = 0.01;
        RlConfig c = base.overlay(f);
        assertEquals(7, c.steps);
        assertEquals(0.01, c.learningRate, 0);
    }

    @Test
    void validationNamesTheFieldsOfARelation() {
        RlConfig c = new RlConfig();
        c.minibatches = 65;   // 8 x 8 rollouts
        ConfigException e = assertThrows(ConfigException.class, c::validate);
        assertEquals(List.of("minibatches", "prompts_per_step", "num_generations"), e.fields());
        RlConfig batches = new RlConfig();
        batches.microBatchSize = 3;   // G = 8
        assertEquals(List.of("micro_batch_size", "num_generations"),
                assertThrows(ConfigException.class, batches::validate).fields());
        batches.microBatchSize = 4;
        assertEquals(4, batches.validate().microBatchRows());
        batches.generationBatchSize = 12;
        assertEquals(List.of("generation_batch_size", "num_generations"),
                assertThrows(ConfigException.class, batches::validate).fields());
        RlConfig d = new RlConfig();
        assertEquals("max_len", assertThrows(ConfigException.class,
                () -> d.validateAgainstData(205, 38, 95, 96)).fields().get(0));   // no room after the prompt
        RlConfig ok = new RlConfig();
        ok.maxCompletionLength = 32;
        ok.trainEvalQuestions = 40;
        assertEquals(ok, ok.validate());
        assertEquals(List.of(), ok.validateAgainstData(205, 38, 20, 96));
        assertEquals(1, ok.validateAgainstData(10, 38, 20, 96).size());   // train_eval_questions (rl_questions 0 = all)
        ok.rlQuestions = 40;
        assertEquals(2, ok.validateAgainstData(10, 38, 20, 96).size());   // rl_questions, train_eval_questions
    }
}
