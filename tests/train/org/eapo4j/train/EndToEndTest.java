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
import org.eapo4j.rl.EapoWeighting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A few warm-up and RL steps of a tiny model on the stand-in data set. */
class EndToEndTest {
    @TempDir Path dir;

    static RlConfig tiny() {
        RlConfig c = new RlConfig();
        c.trainData = TestData.file("train.jsonl").toString();
        c.heldoutData = TestData.file("heldout.jsonl").toString();
        c.seed = 3;
        c.dModel = 32;
        c.layers = 1;
        c.heads = 2;
        c.dFf = 64;
        c.maxLen = 48;
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
        try (Trainer t = Trainer.open(tiny(), out)) {
            summary = new RunLoop(t, null, System.out, 1).addCallback(cb).run();
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
    void resumeReproducesTheNextStep() throws IOException {
        Path a = dir.resolve("a"), b = dir.resolve("b");
        Map<String, Object> next;
        try (Trainer t = Trainer.open(tiny(), a)) {
            for (int i = 0; i < t.warmupSteps(); i++) t.warmupStep();
            t.finishWarmup();
            t.trainStep();
            t.trainStep();
            t.saveCheckpoint();
            Files.createDirectories(b);
            Files.copy(a.resolve(Trainer.CHECKPOINT), b.resolve(Trainer.CHECKPOINT));
            next = t.trainStep();   // step 3 of the uninterrupted run
        }
        try (Trainer r = Trainer.resume(b)) {
            assertEquals(2, r.currentStep());
            assertTrue(r.schedule() instanceof EapoWeighting e && !Double.isNaN(e.h0()));
            Map<String, Object> again = r.trainStep();
            for (String k : List.of("step", "reward_mean", "reward_std", "entropy_ht", "lambda_pos", "loss",
                    "clip_frac", "kl", "grad_norm", "response_len", "frac_pos"))
                assertEquals(next.get(k), again.get(k), k);
        }
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
        try (Trainer t = Trainer.open(c, warm)) {
            new RunLoop(t, null, System.out, 1).run();
        }
        RlConfig r = tiny();
        r.steps = 1;
        r.weighting = "grpo";
        try (Trainer t = Trainer.fromWarmup(r, rl, warm.resolve(Trainer.CHECKPOINT))) {
            assertTrue(t.startsFromWarmup());
            new RunLoop(t, null, System.out, 1).run();
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
