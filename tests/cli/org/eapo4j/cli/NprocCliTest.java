package org.eapo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.eapo4j.parallel.DistEnv;
import org.eapo4j.train.StoredRun;
import org.eapo4j.train.MetricsLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --nproc N}: a tiny 2-process run ends with exit code 0, one metrics.jsonl and no child process left;
 * bad flags are refused before any worker starts; a worker that is killed, or that hangs, makes the launcher exit
 * non-zero within a bound, leaves no process behind and the last checkpoint readable.
 */
class NprocCliTest {
    @TempDir Path tmp;

    @Test
    void twoProcessesTrainWriteOneMetricsFileAndLeaveNoProcess() throws IOException {
        Path out = tmp.resolve("run");
        HostileCliTest.Result r = HostileCliTest.cli(HostileCliTest.train("--nproc", "2", "--steps", "2",
                "--out", out.toString()));
        assertEquals(0, r.rc(), r.out() + r.err());
        assertTrue(ProcessHandle.current().children().noneMatch(ProcessHandle::isAlive), "a worker is still alive");
        try (Stream<Path> s = Files.walk(tmp)) {
            assertEquals(1, s.filter(p -> p.getFileName().toString().equals("metrics.jsonl")).count());
        }
        long rl = MetricsLog.read(out.resolve("metrics.jsonl")).stream().filter(m -> "rl".equals(m.get("kind"))).count();
        assertEquals(2, rl);
        assertTrue(r.out().contains("[rank 0] output folder: ") && r.out().contains("(2 processes)"), r.out());
        assertFalse(r.out().contains("[rank 1] output folder"), "only rank 0 prints its progress:\n" + r.out());
        StoredRun.read(out.resolve("checkpoint.bin")).builtinPolicy().close();
    }

    @Test
    void badFlagsAreRefusedBeforeAnyWorkerStarts() throws IOException {
        String[][] cases = {
            {"--nproc", "0"}, {"--nproc", "2", "--lr", "-1"}, {"--nproc", "3", "--prompts", "2"},
        };
        String[] says = {"--nproc: must be in 1..256", "--lr (learning_rate)", "3 processes need at least 3"};
        for (int i = 0; i < cases.length; i++) {
            List<String> args = new ArrayList<>(List.of(cases[i]));
            args.addAll(List.of("--out", tmp.resolve("never" + i).toString()));
            HostileCliTest.Result r = HostileCliTest.cli(HostileCliTest.train(args.toArray(String[]::new)));
            assertEquals(2, r.rc(), r.err());
            assertTrue(r.err().contains(says[i]), says[i] + " expected in: " + r.err());
            assertFalse(r.out().contains("starting") || r.out().contains("[rank"), "a worker started: " + r.out());
            assertFalse(Files.exists(tmp.resolve("never" + i)), "files left behind");
        }
    }

    @Test
    void aKilledWorkerStopsTheRunWithinTheBound() throws Exception {
        Failure f = failMidRun(false);
        assertNotEquals(0, f.exitCode, f.output);
        assertTrue(f.output.contains("[launcher] rank 1 exited with code 137"), f.output);
    }

    @Test
    void aHungWorkerStopsTheRunWithinTheBound() throws Exception {
        Failure f = failMidRun(true);
        assertNotEquals(0, f.exitCode, f.output);
        // rank 0's collective times out (EAPO4J_DIST_TIMEOUT_S=5) and names the rank that did not answer
        assertTrue(f.output.contains("[rank 0] eapo4j: rank 0: ") && f.output.contains("rank 1 did not answer"),
                f.output);
    }

    private record Failure(int exitCode, String output) {}

    /** Starts a long tiny run on 2 processes, kills (SIGKILL) or stops (SIGSTOP) rank 1 after step 10. */
    private Failure failMidRun(boolean hang) throws Exception {
        Path out = tmp.resolve(hang ? "hung" : "killed");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xss4m", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(HostileCliTest.train("--nproc", "2", "--steps", "100000", "--checkpoint-every", "5",
                "--out", out.toString())));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put(DistEnv.TIMEOUT_VARIABLE, "5");
        Process launcher = pb.start();
        List<ProcessHandle> workers = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        try {
            BufferedReader in = new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                text.append(line).append('\n');
                if (line.contains(" step 10/")) break;
            }
            assertTrue(text.toString().contains(" step 10/"), text.toString());
            launcher.children().sorted(Comparator.comparing(h -> h.info().startInstant().orElseThrow()))
                    .forEach(workers::add);
            assertEquals(2, workers.size(), "two workers");
            ProcessHandle rank1 = workers.get(1);
            long t0 = System.nanoTime();
            if (hang) new ProcessBuilder("kill", "-STOP", Long.toString(rank1.pid())).start().waitFor();
            else rank1.destroyForcibly();
            Thread drain = new Thread(() -> {
                try {
                    for (String line; (line = in.readLine()) != null; ) synchronized (text) { text.append(line).append('\n'); }
                } catch (IOException closed) {
                    // the launcher is gone
                }
            });
            drain.start();
            assertTrue(launcher.waitFor(60, TimeUnit.SECONDS), "the launcher did not exit within 60 s:\n" + text);
            double s = (System.nanoTime() - t0) / 1e9;
            drain.join(5000);
            for (ProcessHandle w : workers) {
                w.onExit().get(10, TimeUnit.SECONDS);
                assertFalse(w.isAlive(), "worker " + w.pid() + " outlived the launcher");
            }
            StoredRun.read(out.resolve("checkpoint.bin")).builtinPolicy().close();   // the last checkpoint stays valid
            System.out.printf("%s worker: the launcher exited %.1f s after the fault%n", hang ? "hung" : "killed", s);
            synchronized (text) {
                return new Failure(launcher.exitValue(), text + "(launcher exited " + String.format("%.1f", s)
                        + " s after the fault)\n");
            }
        } finally {
            launcher.destroyForcibly();
            for (ProcessHandle w : workers) w.destroyForcibly();
        }
    }
}
