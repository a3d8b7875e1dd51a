package org.eapo4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every benchmark once on a tiny shape, in-process, so that a broken benchmark (or a kernel that disagrees with
 * LibTorch: each trial's set-up checks that) fails the build. The full suite runs only on demand: benchmarks/run.sh.
 */
class BenchmarkSmokeTest {

    private static Collection<RunResult> run(Class<?> benchmark, String dtype) throws RunnerException {
        return new Runner(new OptionsBuilder()
                .include("^" + benchmark.getName().replace(".", "\\.") + "\\.")
                .param("n", "64")
                .param("v", "1000")
                .param("dtype", dtype)
                .param("threads", "2")
                .mode(Mode.AverageTime)
                .timeUnit(TimeUnit.MILLISECONDS)
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .shouldFailOnError(true)
                .build()).run();
    }

    private static void check(Class<?> benchmark, int methods) throws RunnerException {
        for (String dtype : new String[] {"Float", "BFloat16"}) {
            Collection<RunResult> results = run(benchmark, dtype);
            assertEquals(methods, results.size(), benchmark.getSimpleName() + " " + dtype + ": results");
            for (RunResult r : results) {
                double score = r.getPrimaryResult().getScore();
                assertTrue(score > 0 && Double.isFinite(score), r.getParams().getBenchmark() + ": score " + score);
            }
        }
    }

    @Test
    void tokenStatsBenchmarkRuns() throws RunnerException {
        check(TokenStatsBenchmark.class, 2);
    }

    @Test
    void policyLossBenchmarkRuns() throws RunnerException {
        check(PolicyLossBenchmark.class, 4);
    }

    @Test
    void rooflineBenchmarkRuns() throws RunnerException {
        check(RooflineBenchmark.class, 3);
    }

    @Test
    void fusedLinearHeadBenchmarkRuns() throws RunnerException {
        check(FusedLinearHeadBenchmark.class, 3);  // at D = 896 (its default): the set-up also checks the sides agree
    }

    @Test
    void fusedLinearHeadMemoryProbeMeasuresEverySide() throws Exception {
        String out = captured(() -> FusedLinearHeadMemoryProbe.main(new String[] {"64", "32", "1000", "BFloat16", "2"}));
        for (String side : FusedLinearHeadMemoryProbe.SIDES) assertTrue(out.contains("MEMPROBE " + side + " "), out);
    }

    @Test
    void fusedLinearHeadSectionIsSplicedIntoTheDocument() {
        String section = FusedLinearHeadReport.BEGIN + "\nnew\n" + FusedLinearHeadReport.END;
        String doc = FusedLinearHeadReport.splice("# Title\n", section);
        assertTrue(doc.startsWith("# Title\n\n" + FusedLinearHeadReport.BEGIN), doc);
        String again = FusedLinearHeadReport.splice(doc.replace("new", "old") + "tail\n", section);
        assertEquals("# Title\n\n" + section + "\ntail\n", again);
        assertEquals(section, FusedLinearHeadReport.section(again));
    }

    interface Body {
        void run() throws Exception;
    }

    private static String captured(Body body) throws Exception {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        System.setOut(new java.io.PrintStream(buf, true, "UTF-8"));
        try {
            body.run();
        } finally {
            System.setOut(old);
        }
        return buf.toString("UTF-8");
    }

    @Test
    void memoryProbeMeasuresEverySide() throws Exception {
        // In-process on a tiny shape: each side must report (or say why it cannot, e.g. no /proc in a sandbox).
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        System.setOut(new java.io.PrintStream(buf, true, "UTF-8"));
        try {
            MemoryProbe.main(new String[] {"64", "1000", "Float", "2"});
        } finally {
            System.setOut(old);
        }
        String out = buf.toString("UTF-8");
        for (String side : MemoryProbe.SIDES) assertTrue(out.contains("MEMPROBE " + side + " "), out);
    }
}
