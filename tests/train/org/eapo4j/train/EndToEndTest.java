package org.eapo4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.eapo4j.data.TestData;
import org.eapo4j.model.ModelConfig;
import org.eapo4j.model.TransformerLM;
import org.eapo4j.task.MedqaTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A few warm-up and RL steps of a tiny model on the stand-in data set. */
class EndToEndTest {
    @TempDir Path dir;

    static MedqaTask task() {
        return MedqaTask.forBuiltinModel(TestData.file("train.jsonl").toString(),
                TestData.file("heldout.jsonl").toString());
    }

    static RlConfig tiny() {
        RlConfig c = task().defaults();
        c.seed = 3;
        c.factWarmupSteps = 2;   // both warm-up stages, briefly
        c.sftWarmupSteps = 3;
        c.sftWarmupBatch = 8;
        c.steps = 4;
        c.promptsPerStep = 2;
        c.numGenerations = 4;
        c.maxCompletionLength = 12;
        c.evalSteps = 2;
        c.saveSteps = 2;
        c.evalSamples = 3;
        c.trainEvalQuestions = 2;
        c.beta = 0.02;            // exercise the frozen reference too
        c.entropyCoef = 0.001;
        c.threads = 1;
        return c;
    }

    /** A trainer of a fresh built-in model (its weights a function of the seed) on the stand-in data. */
    static RlTrainer trainer(RlConfig c, Path out, TrainerCallback... cbs) {
        RlTrainer.Builder b = builder(c, out);
        for (TrainerCallback cb : cbs) b.callback(cb);
        return b.build();
    }

    /** The pieces of {@link #trainer}, to add more (e.g. a data-parallel context) before building. */
    static RlTrainer.Builder builder(RlConfig c, Path out) {
        MedqaTask task = task();
        org.eapo4j.data.WordTokenizer words = task.wordTokenizer();
        org.bytedeco.pytorch.global.torch.manual_seed(c.seed);
        TransformerLM model = new TransformerLM(new ModelConfig(words.size(), 32, 1, 2, 64, 48));
        return RlTrainer.builder().policy(model).tokenizer(words.asTokenizer()).task(task).config(c)
                .outputDir(out).log(System.out);
    }

    @Test
    void runsLogsCheckpointsAndFollowsEntropyRatio() {
        Path out = dir.resolve("run");
        Map<String, Object> summary;
        List<Map<String, Object>> steps = new java.util.ArrayList<>(), evals = new java.util.ArrayList<>();
        int[] warm = {0}, saved = {0};
        TrainerCallback cb = new TrainerCallback() {
            @Override public void onStep(Map<String, Object> m) { steps.add(m); }
            @Override public void onEvaluation(Map<String, Object> m) { evals.add(m); }
            @Override public void onWarmupStep(Map<String, Object> m) { warm[0]++; }
            @Override public void onCheckpoint(Path file) { saved[0]++; }
        };
        try (RlTrainer t = trainer(tiny(), out, cb)) {
            summary = t.train().toMap();
        }
        assertEquals(5, warm[0]);   // 2 on the fact corpus, 3 on answers
        assertEquals(5, evals.size());
        assertEquals(3, saved[0]);   // after the warm-up, @2, @4
        assertEquals(4, ((Number) summary.get("rl_steps")).intValue());
        for (String f : List.of("metrics.jsonl", "checkpoint.bin", "summary.json", "config.json"))
            assertTrue(Files.exists(out.resolve(f)), f);
        List<Map<String, Object>> rows = MetricsLog.read(out.resolve("metrics.jsonl"));
        List<Map<String, Object>> rl = rows.stream().filter(r -> "rl".equals(r.get("kind"))).toList();
        assertEquals(4, rl.size());
        for (int i = 0; i < rl.size(); i++)   // the callback saw what metrics.jsonl holds
            assertEquals(MetricsLog.num(rl.get(i), "loss"), ((Number) steps.get(i).get("loss")).doubleValue(), 0);
        assertEquals(5, rows.stream().filter(r -> "warmup".equals(r.get("kind"))).count());
        assertEquals(List.of("init", "facts", "warmup", "rl", "rl"), rows.stream()
                .filter(r -> "eval".equals(r.get("kind"))).map(r -> r.get("policy")).toList());
        assertTrue(summary.containsKey("eval_facts") && summary.containsKey("eval_warmup"), summary.toString());
        double h0 = MetricsLog.num(rl.get(0), "entropy_ht");
        for (Map<String, Object> r : rl) {
            for (String k : List.of("loss", "reward_mean", "entropy_ht", "grad_norm", "kl", "clip_frac"))
                assertTrue(Double.isFinite(MetricsLog.num(r, k)), k + " not finite: " + r);
            double expected = Math.max(0.05, Math.min(4.0, MetricsLog.num(r, "entropy_ht") / h0));
            assertEquals(expected, MetricsLog.num(r, "lambda_pos"), 1e-9);
            assertEquals(h0, MetricsLog.num(r, "h0"), 0);
            double fr = MetricsLog.num(r, "frac_pos") + MetricsLog.num(r, "frac_neg") + MetricsLog.num(r, "frac_neutral");
            assertEquals(1.0, fr, 1e-12);
        }
        for (Map<String, Object> r : rows)
            for (Map.Entry<String, Object> e : r.entrySet())
                if (e.getValue() instanceof Number n) assertFalse(Double.isNaN(n.doubleValue()), e.getKey());
    }

    @Test
    void aResumedRunRepeatsTheUninterruptedOne() {
        Path whole = dir.resolve("whole"), parts = dir.resolve("parts");
        RlConfig c = tiny();
        c.steps = 3;
        try (RlTrainer t = trainer(c, whole)) {
            t.train();
        }
        RlConfig first = tiny();
        first.steps = 2;   // stops after step 2 (checkpoint), then resumes with steps = 3
        try (RlTrainer t = trainer(first, parts)) {
            t.train();
        }
        try (RlTrainer t = trainer(c, parts)) {
            t.open();
            assertEquals(2, t.currentStep());
            assertEquals(List.of(new ResumePolicy.Change("steps", "2", "3")), t.resumeChanges());
            t.train();
        }
        Map<String, Object> a = lastRl(whole), b = lastRl(parts);
        assertEquals(3, MetricsLog.num(b, "step"));
        for (String k : List.of("step", "reward_mean", "reward_std", "entropy_ht", "lambda_pos", "loss",
                "clip_frac", "kl", "grad_norm", "response_len", "frac_pos"))
            assertEquals(a.get(k), b.get(k), k);
    }

    private static Map<String, Object> lastRl(Path run) {
        List<Map<String, Object>> rl = MetricsLog.read(run.resolve("metrics.jsonl")).stream()
                .filter(r -> "rl".equals(r.get("kind"))).toList();
        return rl.get(rl.size() - 1);
    }

    /**
     * A run started from a warm-up checkpoint (the grid's shared warm-up per seed) evaluates its start: with the same
     * policy and the same evaluation stream, exactly what the warm-up run itself measured after its warm-up.
     */
    @Test
    void aRunFromAWarmupEvaluatesItsStartAsTheWarmupDid() {
        RlConfig c = tiny();
        c.steps = 0;
        Path warm = dir.resolve("warmup"), rl = dir.resolve("rl");
        try (RlTrainer t = trainer(c, warm)) {
            t.train();
        }
        RlConfig r = tiny();
        r.steps = 1;
        r.weighting = "grpo";
        MedqaTask task = task();
        org.eapo4j.data.WordTokenizer words = task.wordTokenizer();
        try (TransformerLM model = new TransformerLM(new ModelConfig(words.size(), 32, 1, 2, 64, 48));
             RlTrainer t = RlTrainer.builder().policy(model).tokenizer(words.asTokenizer()).task(task).config(r)
                     .outputDir(rl).initFrom(warm.resolve(RunFolder.CHECKPOINT)).build()) {
            t.train();
        }
        Map<String, Object> a = firstEval(warm, "warmup"), b = firstEval(rl, "warmup");
        assertEquals(0, MetricsLog.num(b, "step"));
        for (String k : List.of("heldout_reward_mean", "heldout_best_of_g", "heldout_distinct_2", "train_reward_mean"))
            assertEquals(MetricsLog.num(a, k), MetricsLog.num(b, k), 0, k);
    }

    private static Map<String, Object> firstEval(Path run, String policy) {
        return MetricsLog.read(run.resolve("metrics.jsonl")).stream()
                .filter(r -> "eval".equals(r.get("kind")) && policy.equals(r.get("policy"))).findFirst().orElseThrow();
    }
}
