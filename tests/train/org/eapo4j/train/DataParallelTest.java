package org.eapo4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.eapo4j.parallel.DistEnv;
import org.eapo4j.parallel.LocalLauncher;
import org.eapo4j.task.StoriesTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training is one process's training: the tiny built-in model and the shipped stories260K trained by 1,
 * 2 and 3 ranks on loopback (Gloo), same global batch, end with the same parameters and write the same metrics lines.
 * The update sums micro-batch and rank gradients in float64 ({@code deterministic_gradients}), so the float32
 * gradient does not depend on the split; the tolerances below leave room for a float64 sum that rounds to the other
 * neighbouring float32 (never seen here: the runs agree bit for bit). The configurations cover the uneven split (3
 * prompt groups on 2 ranks), minibatches whose rows fall unevenly on the ranks, scale_rewards=batch (the global std),
 * the KL reference, both warm-up stages, and the seq-mean-token-mean aggregation with masked truncated completions
 * over two epochs.
 */
class DataParallelTest {
    /** Parameters: relative to each tensor's largest magnitude. */
    static final double PARAM_TOL = 1e-6;
    /** Metrics: relative (absolute below 1). */
    static final double METRIC_TOL = 1e-6;
    private static final Set<String> TIMINGS = Set.of("step_time_s", "gen_time_s", "reward_time_s",
            "old_pass_time_s", "update_time_s", "allreduce_time_s", "eval_time_s", "rollout_peak_rss_gb",
            "update_peak_rss_gb", "cpu_user_s", "cpu_sys_s", "minor_page_faults");   // measurements, not results

    @TempDir Path dir;

    static Map<String, RlConfig> configs() {
        Map<String, RlConfig> out = new LinkedHashMap<>();
        RlConfig a = EndToEndTest.tiny();
        a.steps = 3;
        a.promptsPerStep = 3;          // 2 groups on rank 0, 1 on rank 1
        a.scaleRewards = "batch";
        a.evalSteps = 0;
        a.saveSteps = 0;
        a.evalQuestions = 1;
        a.trainEvalQuestions = 1;
        a.evalSamples = 2;
        out.put("a", a);
        RlConfig b = a.copy();
        b.beta = 0;
        b.scaleRewards = "group";
        b.lossType = "seq-mean-token-mean";
        b.maskTruncatedCompletions = true;
        b.numIterations = 2;
        b.minibatches = 5;
        b.weighting = "grpo";
        b.steps = 2;
        b.sftWarmupSteps = 2;
        b.factWarmupSteps = 0;
        out.put("b", b);
        RlConfig s = new StoriesTask().defaults();   // the shipped pretrained model, no warm-up
        s.steps = 2;
        s.promptsPerStep = 3;
        s.numGenerations = 4;
        s.maxCompletionLength = 12;
        s.evalSteps = 0;
        s.saveSteps = 0;
        s.evalQuestions = 1;
        s.evalSamples = 2;
        s.trainEvalQuestions = 0;
        s.beta = 0.01;
        out.put("stories", s);
        RlConfig v = s.copy();   // batch-wide loss variants: their statistics run over every rank's tokens
        v.beta = 0;
        v.importanceSamplingLevel = "sequence";
        v.topEntropyQuantile = 0.5;
        v.lossMode = "clip_cov";
        v.clipCovRatio = 0.05;
        v.clipCovLb = -100;
        v.clipCovUb = 100;
        v.useAdaptiveEntropy = true;
        out.put("stories-variants", v);
        return out;
    }

    @Test
    void oneTwoAndThreeRanksTrainAlike() throws IOException {
        String one = launch(1), two = launch(2), three = launch(3);
        assertTrue(ProcessHandle.current().children().noneMatch(ProcessHandle::isAlive), "a worker outlived its run");
        for (String run : configs().keySet()) {
            Map<String, float[]> p1 = read(dir.resolve(run + "-world1-rank0.params"));
            List<Map<String, Object>> m1 = MetricsLog.read(dir.resolve(run + "-world1").resolve(RunFolder.METRICS));
            for (int world : new int[] {2, 3}) {
                double worst = 0;
                for (int rank = 0; rank < world; rank++) {
                    Map<String, float[]> pn = read(dir.resolve(run + "-world" + world + "-rank" + rank + ".params"));
                    assertEquals(p1.keySet(), pn.keySet());
                    for (String k : p1.keySet()) {
                        float[] a = p1.get(k), b = pn.get(k);
                        double scale = 1e-3;
                        for (float x : a) scale = Math.max(scale, Math.abs(x));
                        for (int i = 0; i < a.length; i++) {
                            double diff = Math.abs(a[i] - b[i]) / scale;
                            assertTrue(diff <= PARAM_TOL, run + ", " + world + " ranks, rank " + rank + ": " + k
                                    + "[" + i + "] " + a[i] + " vs " + b[i]);
                            worst = Math.max(worst, diff);
                        }
                    }
                }
                System.out.printf("run %s: largest parameter difference 1 vs %d ranks %.3g (relative to the "
                        + "tensor's largest magnitude)%n", run, world, worst);
                assertFalse(Files.exists(dir.resolve(run + "-world" + world).resolve(RunFolder.METRICS + ".rank1")));
                List<Map<String, Object>> mn = MetricsLog.read(dir.resolve(run + "-world" + world)
                        .resolve(RunFolder.METRICS));
                assertEquals(m1.size(), mn.size(), run + ": metrics lines\n" + two + three);
                for (int i = 0; i < m1.size(); i++)
                    assertSameLine(run + " (" + world + " ranks) line " + (i + 1), m1.get(i), mn.get(i));
                assertTrue(mn.stream().anyMatch(r -> "rl".equals(r.get("kind"))
                        && MetricsLog.num(r, "allreduce_time_s") > 0), "a multi-rank step spends time in all-reduce");
            }
        }
        assertTrue(one.contains("[rank 0]") && !one.contains("[rank 1]"), one);
    }

    private static void assertSameLine(String where, Map<String, Object> a, Map<String, Object> b) {
        assertEquals(a.keySet(), b.keySet(), where);
        for (String k : a.keySet()) {
            if (TIMINGS.contains(k)) continue;
            Object x = a.get(k), y = b.get(k);
            if (x instanceof Number nx && y instanceof Number ny) {
                double u = nx.doubleValue(), v = ny.doubleValue();
                assertEquals(u, v, METRIC_TOL * Math.max(1, Math.abs(u)), where + ": " + k);
            } else {
                assertEquals(x, y, where + ": " + k);
            }
        }
    }

    private String launch(int nproc) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        LocalLauncher.Result r = LocalLauncher.run(nproc, List.of("-Xmx512m", "-Xss4m",
                DataParallelWorker.class.getName(), dir.toString()), new LocalLauncher.Options()
                .env(DistEnv.TIMEOUT_VARIABLE, "60").env("OMP_NUM_THREADS", "1").out(out));
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, r.exitCode(), text);
        return text;
    }

    private static Map<String, float[]> read(Path file) throws IOException {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            while (in.available() > 0) {
                String name = in.readUTF();
                float[] v = new float[in.readInt()];
                for (int i = 0; i < v.length; i++) v[i] = in.readFloat();
                out.put(name, v);
            }
        }
        return out;
    }
}
