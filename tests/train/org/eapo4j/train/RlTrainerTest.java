package org.eapo4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.eapo4j.data.PromptDataset;
import org.eapo4j.data.TestData;
import org.eapo4j.data.WordTokenizer;
import org.eapo4j.hf.HfModels;
import org.eapo4j.hf.HfTokenizer;
import org.eapo4j.hf.SharedModels;
import org.eapo4j.model.CausalLM;
import org.eapo4j.model.ModelConfig;
import org.eapo4j.model.TransformerLM;
import org.eapo4j.reward.KeyPointRewardFunction;
import org.eapo4j.reward.RewardException;
import org.eapo4j.reward.StoryReward;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer API end to end: a real pretrained model and the built-in one, resume, rewards, errors. */
class RlTrainerTest {
    @TempDir Path dir;

    /** A few RL steps of stories260K on the story task: small enough for CI. */
    static RlConfig tinyStories() {
        RlConfig c = new RlConfig();
        c.sftWarmupSteps = 0;
        c.steps = 4;
        c.promptsPerStep = 2;
        c.numGenerations = 4;
        c.maxCompletionLength = 24;
        c.minibatches = 2;
        c.learningRate = 1e-3;
        c.evalSteps = 2;
        c.saveSteps = 2;
        c.evalQuestions = 2;
        c.evalSamples = 2;
        c.trainEvalQuestions = 2;
        c.beta = 0.02;            // exercise the frozen reference
        c.seed = 5;
        return c;
    }

    static RlTrainer.Builder stories(Path model, Path out, RlConfig cfg) {
        return RlTrainer.builder()
                .policy(HfModels.load(model))
                .tokenizer(HfTokenizer.load(model))
                .prompts(PromptDataset.fromResource("stories/train.jsonl"))
                .evalPrompts(PromptDataset.fromResource("stories/heldout.jsonl"))
                .reward("story", 1.0, new StoryReward())
                .reward("length", 0.1, s -> Math.min(1.0, s.completion().length() / 80.0))
                .stopTokenIds(1, 2)
                .config(cfg)
                .outputDir(out);
    }

    @Test
    void finetunesStories260KAndSavesItInTheHuggingFaceLayout() throws Exception {
        Path model = SharedModels.require("stories260K");
        Path out = dir.resolve("run");
        List<Map<String, Object>> seen = new ArrayList<>();
        RunSummary s;
        CausalLM policy;
        try (RlTrainer t = stories(model, out, tinyStories()).callback(new TrainerCallback() {
            @Override
            public void onStep(Map<String, Object> m) {
                seen.add(m);
            }
        }).build()) {
            s = t.train();
        }
        assertEquals(4, s.rlSteps());
        assertEquals(4, seen.size());
        for (String f : List.of("metrics.jsonl", "checkpoint.bin", "summary.json", "config.json"))
            assertTrue(Files.exists(out.resolve(f)), f);
        List<Map<String, Object>> rl = MetricsLog.read(out.resolve("metrics.jsonl")).stream()
                .filter(r -> "rl".equals(r.get("kind"))).toList();
        assertEquals(4, rl.size());
        for (Map<String, Object> r : rl) {
            for (String k : List.of("loss", "reward_mean", "entropy_ht", "lambda_pos", "kl", "rewards/story/mean",
                    "rewards/length/mean"))
                assertTrue(Double.isFinite(MetricsLog.num(r, k)), k + " in " + r);
            assertEquals(MetricsLog.num(r, "rewards/story/mean") + 0.1 * MetricsLog.num(r, "rewards/length/mean"),
                    MetricsLog.num(r, "reward_mean"), 1e-9);
        }
        assertTrue(Double.isFinite(s.heldout(true, "reward_mean")));
        // the saved folder loads and computes what a fresh load of the same weights computes
        assertNotNull(s.hfModelDir());
        try (CausalLM reloaded = HfModels.load(s.hfModelDir()); CausalLM again = HfModels.load(s.hfModelDir());
             PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            Tensor ids = HostTensors.fromLongs(new long[] {1, 403, 407, 261, 378}, 1, 5);
            Tensor mask = HostTensors.fromLongs(new long[] {1, 1, 1, 1, 1}, 1, 5);
            float[] a = HostTensors.toFloats(reloaded.logits(ids, mask)), b = HostTensors.toFloats(again.logits(ids, mask));
            for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 0f);
            try (CausalLM original = HfModels.load(model)) {
                float[] o = HostTensors.toFloats(original.logits(ids, mask));
                double diff = 0;
                for (int i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - o[i]));
                assertTrue(diff > 1e-6, "training changed nothing");
            }
        }
    }

    @Test
    void aSecondBuildOnTheSameFolderContinuesExactly() {
        Path model = SharedModels.require("stories260K");
        Path whole = dir.resolve("whole"), split = dir.resolve("split");
        RlConfig cfg = tinyStories();
        cfg.evalSteps = 0;
        try (RlTrainer t = stories(model, whole, cfg).build()) {
            t.train();
        }
        RlConfig half = cfg.copy();
        half.steps = 2;
        try (RlTrainer t = stories(model, split, half).build()) {
            t.train();
        }
        try (RlTrainer t = stories(model, split, cfg).build()) {
            t.train();
        }
        List<Map<String, Object>> a = rlRows(whole), b = rlRows(split);
        assertEquals(4, b.size());
        for (int i = 2; i < 4; i++)
            for (String k : List.of("step", "reward_mean", "entropy_ht", "lambda_pos", "loss", "kl", "grad_norm"))
                assertEquals(a.get(i).get(k), b.get(i).get(k), k + " of step " + (i + 1));
    }

    private static List<Map<String, Object>> rlRows(Path run) {
        return MetricsLog.read(run.resolve("metrics.jsonl")).stream().filter(r -> "rl".equals(r.get("kind"))).toList();
    }

    @Test
    void builtInModelWithAWarmUpOnTheMedqaTask() {
        PromptDataset train = PromptDataset.fromJsonl(TestData.file("train.jsonl"), "question");
        WordTokenizer words = WordTokenizer.build(List.of(TestData.train(), TestData.heldout()));
        RlConfig c = tinyStories();
        c.sftWarmupSteps = 3;
        c.sftWarmupBatch = 4;
        c.maxCompletionLength = 12;
        org.bytedeco.pytorch.global.torch.manual_seed(3);
        try (TransformerLM lm = new TransformerLM(new ModelConfig(words.size(), 32, 1, 2, 64, 48));
             RlTrainer t = RlTrainer.builder().policy(lm).tokenizer(words.asTokenizer()).prompts(train)
                     .evalPrompts(PromptDataset.fromJsonl(TestData.file("heldout.jsonl"), "question"))
                     .reward(new KeyPointRewardFunction()).config(c).outputDir(dir.resolve("medqa")).build()) {
            RunSummary s = t.train();
            assertEquals(4, s.rlSteps());
            assertEquals(null, s.hfModelDir());
        }
        List<Map<String, Object>> rows = MetricsLog.read(dir.resolve("medqa").resolve("metrics.jsonl"));
        assertEquals(3, rows.stream().filter(r -> "warmup".equals(r.get("kind"))).count());
        assertEquals(4, rows.stream().filter(r -> "rl".equals(r.get("kind"))).count());
    }

    @Test
    void aRewardThatFailsStopsTheRunNamingItAndTheRecord() {
        Path model = SharedModels.require("stories260K");
        RlConfig c = tinyStories();
        c.steps = 1;
        RewardException e;
        try (RlTrainer t = RlTrainer.builder().policy(HfModels.load(model)).tokenizer(HfTokenizer.load(model))
                .prompts(PromptDataset.fromResource("stories/train.jsonl")).reward("flaky", 1.0, s -> Double.NaN)
                .config(c).outputDir(dir.resolve("nan")).build()) {
            e = assertThrows(RewardException.class, t::train);
        }
        assertTrue(e.getMessage().contains("flaky") && e.getMessage().contains("record") && e.getMessage().contains("NaN"),
                e.getMessage());
    }

    @Test
    void buildRefusesIncompletePiecesNamingThem() {
        Path model = SharedModels.require("stories260K");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RlTrainer.builder()
                .policy(HfModels.load(model)).tokenizer(HfTokenizer.load(model))
                .prompts(PromptDataset.fromResource("stories/train.jsonl")).outputDir(dir).build());
        assertTrue(e.getMessage().startsWith("reward"), e.getMessage());
        RlConfig c = tinyStories();
        c.maxCompletionLength = 1000;
        e = assertThrows(IllegalArgumentException.class, () -> stories(model, dir.resolve("x"), c).build());
        assertTrue(e.getMessage().contains("max_completion_length"), e.getMessage());
        RlConfig w = tinyStories();
        w.sftWarmupSteps = 10;
        e = assertThrows(IllegalArgumentException.class, () -> stories(model, dir.resolve("y"), w).build());
        assertTrue(e.getMessage().contains("sft_warmup_steps"), e.getMessage());
        assertTrue(!Files.exists(dir.resolve("x")) && !Files.exists(dir.resolve("y")));
    }

    /** lm_head = fused (no [N, V] logits) trains the same model as the full logits, up to float summation order. */
    @Test
    void fusedHeadGivesTheSameUpdatesAsTheFullLogits() {
        Path model = SharedModels.require("stories260K");
        RlConfig full = tinyStories();
        full.steps = 2;
        full.evalSteps = 0;
        RlConfig fused = full.copy();
        fused.lmHead = "fused";
        try (CausalLM a = HfModels.load(model); CausalLM b = HfModels.load(model)) {
            for (Object[] run : new Object[][] {{a, full, "full"}, {b, fused, "fused"}})
                try (RlTrainer t = RlTrainer.builder().policy((CausalLM) run[0]).tokenizer(HfTokenizer.load(model))
                        .prompts(PromptDataset.fromResource("stories/train.jsonl")).reward(new StoryReward())
                        .stopTokenIds(1, 2).config((RlConfig) run[1]).outputDir(dir.resolve((String) run[2])).build()) {
                    t.train();
                }
            Map<String, Tensor> pa = a.namedParameters(), pb = b.namedParameters();
            double worst = 0;
            for (String k : pa.keySet()) {
                float[] x = HostTensors.toFloats(pa.get(k)), y = HostTensors.toFloats(pb.get(k));
                for (int i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
            }
            // two AdamW steps of lr 1e-3 move a weight by up to ~2e-3; the paths agree far below that
            assertTrue(worst < 2e-5, "largest parameter difference " + worst);
        }
        List<Map<String, Object>> ra = rlRows(dir.resolve("full")), rb = rlRows(dir.resolve("fused"));
        for (int i = 0; i < 2; i++)
            assertEquals(MetricsLog.num(ra.get(i), "loss"), MetricsLog.num(rb.get(i), "loss"), 1e-5);
    }
}
