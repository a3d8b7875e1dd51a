package org.eapo4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Collection;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the generation benchmark once on stories260K, in-process, so that a broken benchmark (or a plain LibTorch
 * forward that generates other tokens than the model: the trial set-up checks it) fails the build.
 */
class HfGenerateBenchmarkSmokeTest {
    @Test
    void runsOnStories260K() throws Exception {
        // the lock only guards timing against another JMH run on the machine; this run times nothing that matters
        System.setProperty("jmh.ignoreLock", "true");
        Collection<RunResult> r = new Runner(new OptionsBuilder()
                .include("^" + HfGenerateBenchmark.class.getName().replace(".", "\\.") + "\\.")
                .param("model", "stories260K")
                .param("threads", "1")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(200))
                .shouldFailOnError(true)
                .build()).run();
        assertEquals(2, r.size());
    }
}
