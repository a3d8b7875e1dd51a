package org.eapo4j.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two JVMs on loopback (Gloo over a TCPStore), started through {@link LocalLauncher} or directly. The workers
 * ({@link DistWorker}) check their collectives against float64 sums of every rank's inputs; here we check exit
 * codes, messages, the toy SGD against a float64 single-process reference, and that no child process survives.
 */
class DistributedTest {
    private static final String WORKER = DistWorker.class.getName();
    private static final int TIMEOUT_S = 5;

    @TempDir
    Path dir;

    private record Run(LocalLauncher.Result result, String output) {}

    private static Run launch(int nproc, Duration grace, String... javaArgs) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        LocalLauncher.Result r = LocalLauncher.run(nproc, List.of(javaArgs), new LocalLauncher.Options()
                .env(DistEnv.TIMEOUT_VARIABLE, Integer.toString(TIMEOUT_S)).grace(grace).out(out));
        return new Run(r, bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void twoRanksReduceBroadcastGatherAndTrainLikeOne() throws Exception {
        Run two = launch(2, Duration.ofSeconds(5), "-Xmx512m", WORKER, "collectives", dir.toString());
        assertEquals(0, two.result().exitCode(), two.output());
        for (int r = 0; r < 2; r++) {
            for (String ok : List.of("GRADIENTS-OK", "BROADCAST-OK", "METRICS-OK", "SGD-OK", "COLLECTIVES-OK world=2"))
                assertTrue(two.output().contains("[rank " + r + "] " + ok), ok + " of rank " + r + ":\n" + two.output());
        }
        // world size 1 through the same worker: GlooGroup, the one class that creates c10d objects, is never even
        // loaded (the presets' JNI_OnLoad loads every org.bytedeco.pytorch class, so those cannot be checked)
        Run one = launch(1, Duration.ofSeconds(5), "-Xmx512m", "-verbose:class", WORKER, "collectives", dir.toString());
        assertEquals(0, one.result().exitCode(), one.output());
        assertTrue(one.output().contains("COLLECTIVES-OK world=1"), one.output());
        assertTrue(one.output().contains("org.eapo4j.parallel.DistContext source"), "-verbose:class lists classes");
        assertTrue(one.output().contains("org.eapo4j.parallel.GradientSync source"), "-verbose:class lists classes");
        assertFalse(one.output().contains("org.eapo4j.parallel.GlooGroup"), "a world-size-1 run loaded GlooGroup");
        assertFalse(one.output().contains("[Gloo]") || one.output().contains("[c10d]"), "c10d printed something");

        float[] w2 = readFloats(dir.resolve("sgd-w2.txt")), w1 = readFloats(dir.resolve("sgd-w1.txt"));
        double[] ref = sgdReference();
        for (int i = 0; i < ref.length; i++) {
            // fp32 sums in a different order (per rank, then across ranks): agreement to a few ulps of the values
            assertEquals(w1[i], w2[i], 2e-6, "2 ranks vs 1 rank, parameter element " + i);
            assertEquals(ref[i], w2[i], 1e-5, "2 ranks vs float64 reference, parameter element " + i);
        }
    }

    @Test
    void differentConfigsAreRefusedNamingTheRankAndField() {
        Run run = launch(2, Duration.ofSeconds(5), "-Xmx512m", WORKER, "config-mismatch");
        assertEquals(0, run.result().exitCode(), run.output());
        for (int r = 0; r < 2; r++) {
            String line = lineOf(run.output(), "[rank " + r + "] MISMATCH");
            assertTrue(line.contains("rank 1 differs from rank 0"), line);
            assertTrue(line.contains("update.lr: 0.001 vs 0.002"), line);
        }
    }

    @Test
    void aRankThatExitsMakesTheOtherFailWithinTheTimeout() throws Exception {
        peerFailure("early-exit", 3);
    }

    @Test
    void aRankThatHangsMakesTheOtherFailWithinTheTimeout() throws Exception {
        peerFailure("hang", -1);
    }

    /** Rank 1 exits with {@code rank1Code} (or hangs, -1) after a barrier; rank 0's next all-reduce must fail. */
    private static void peerFailure(String scenario, int rank1Code) throws Exception {
        int port = LocalLauncher.freePort();
        List<Process> ps = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            ProcessBuilder pb = new ProcessBuilder(javaBin(), "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                    WORKER, scenario).redirectErrorStream(true);
            pb.environment().putAll(java.util.Map.of("RANK", "" + r, "WORLD_SIZE", "2", "MASTER_ADDR", "127.0.0.1",
                    "MASTER_PORT", "" + port, DistEnv.TIMEOUT_VARIABLE, "" + TIMEOUT_S));
            if (r == 1) pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            ps.add(pb.start());
        }
        try {
            String out0 = readAll(ps.get(0));
            assertTrue(ps.get(0).waitFor(60, TimeUnit.SECONDS));
            if (rank1Code >= 0) {
                assertTrue(ps.get(1).waitFor(10, TimeUnit.SECONDS));
                assertEquals(rank1Code, ps.get(1).exitValue());
            } else {
                assertTrue(ps.get(1).isAlive(), "rank 1 hangs");
            }
            assertEquals(0, ps.get(0).exitValue(), out0);
            String failed = lineOf(out0, "FAILED-AFTER-MS");
            long ms = Long.parseLong(failed.split(" ")[1]);
            // bounded, not hung: the collective timeout plus the liveness check, with slack for a loaded machine
            assertTrue(ms < 3 * TIMEOUT_S * 1000, failed);
            assertTrue(failed.contains("rank 1 did not answer"), failed);
            assertTrue(failed.contains("all-reduce SUM of 1 doubles"), failed);
            assertTrue(lineOf(out0, "BROKEN").contains("the process group is broken"), out0);
            assertTrue(out0.contains("CLOSED"), out0);
        } finally {
            for (Process p : ps) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void theLauncherStopsTheOthersWhenOneFailsAndReturnsItsCode() {
        Run run = launch(2, Duration.ofSeconds(1), WORKER, "fail-or-sleep");
        assertEquals(3, run.result().exitCode(), run.output());
        assertEquals(1, run.result().failedRank());
        assertTrue(run.output().contains("[launcher] rank 1 exited with code 3"), run.output());
        assertTrue(run.output().contains("[rank 0] READY"), run.output());
        assertTrue(ProcessHandle.current().children().noneMatch(ProcessHandle::isAlive), "a worker is still alive");
    }

    @Test
    void killingTheLauncherKillsItsWorkers() throws Exception {
        Process launcher = new ProcessBuilder(javaBin(), "-cp", System.getProperty("java.class.path"),
                LauncherMain.class.getName(), "2", WORKER, "sleep").redirectErrorStream(true).start();
        List<ProcessHandle> workers = new ArrayList<>();
        try {
            BufferedReader in = new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8));
            int ready = 0;
            for (String line; ready < 2 && (line = in.readLine()) != null; ) if (line.endsWith("] READY")) ready++;
            assertEquals(2, ready, "both workers started");
            launcher.descendants().forEach(workers::add);
            assertEquals(2, workers.size(), "two worker processes");
            launcher.destroy();                                // SIGTERM, as Ctrl-C's SIGINT: shutdown hooks run
            assertTrue(launcher.waitFor(30, TimeUnit.SECONDS), "the launcher exits");
            for (ProcessHandle w : workers) {
                w.onExit().get(10, TimeUnit.SECONDS);
                assertFalse(w.isAlive(), "worker " + w.pid() + " outlived the launcher");
            }
        } finally {
            launcher.destroyForcibly();
            for (ProcessHandle w : workers) w.destroyForcibly();
        }
    }

    /** Full-batch SGD on the toy problem in float64, from the float32-rounded inputs the workers use. */
    private static double[] sgdReference() {
        int out = ToyProblem.OUT, in = ToyProblem.IN;
        double[] w = new double[out * in], b = new double[out];
        float[] w0 = ToyProblem.initialW(7);
        for (int i = 0; i < w.length; i++) w[i] = w0[i];
        List<double[]> xs = new ArrayList<>(), ys = new ArrayList<>();
        for (int s = 0; s < ToyProblem.GROUPS * ToyProblem.PER_GROUP; s++) {
            for (double[] row : ToyProblem.x(s)) xs.add(rounded(row));
            for (double[] row : ToyProblem.y(s)) ys.add(rounded(row));
        }
        int n = xs.size();
        for (int step = 0; step < ToyProblem.STEPS; step++) {
            double[] gw = new double[w.length], gb = new double[out];
            for (int t = 0; t < n; t++) {
                double[] x = xs.get(t), y = ys.get(t);
                for (int o = 0; o < out; o++) {
                    double e = b[o] - y[o];
                    for (int j = 0; j < in; j++) e += w[o * in + j] * x[j];
                    gb[o] += 2 * e / n;                  // d/db of e^2 / n
                    for (int j = 0; j < in; j++) gw[o * in + j] += 2 * e * x[j] / n;
                }
            }
            for (int i = 0; i < w.length; i++) w[i] -= ToyProblem.LR * gw[i];
            for (int o = 0; o < out; o++) b[o] -= ToyProblem.LR * gb[o];
        }
        double[] all = new double[w.length + out];
        System.arraycopy(w, 0, all, 0, w.length);
        System.arraycopy(b, 0, all, w.length, out);
        return all;
    }

    private static double[] rounded(double[] row) {
        double[] r = new double[row.length];
        for (int i = 0; i < row.length; i++) r[i] = (float) row[i];
        return r;
    }

    private static float[] readFloats(Path p) throws Exception {
        List<String> lines = Files.readAllLines(p);
        float[] f = new float[lines.size()];
        for (int i = 0; i < f.length; i++) f[i] = Float.parseFloat(lines.get(i));
        return f;
    }

    private static String lineOf(String output, String start) {
        for (String l : output.split("\n")) {
            int i = l.indexOf(start);
            if (i >= 0) return l.substring(i);
        }
        throw new AssertionError("no line with '" + start + "' in:\n" + output);
    }

    private static String readAll(Process p) throws Exception {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
