package org.eapo4j.report;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

import org.eapo4j.train.TrainerCallback;

/**
 * Draws a run's plots ({@link Plots#runPlots}: entropy, advantage weights, reward, diversity) into its folder from
 * its metrics.jsonl, again after every evaluation and at the end of the run. Install it on the process that writes the
 * run folder (rank 0 of a data-parallel run). Plots that cannot be drawn are a warning on {@code err}, and the run
 * goes on: a PNG is not worth a training run.
 */
public final class RunPlotsCallback implements TrainerCallback {
    private final Path runDir;
    private final PrintStream err;

    public RunPlotsCallback(Path runDir, PrintStream err) {
        this.runDir = runDir;
        this.err = err;
    }

    /** Warnings go to standard error. */
    public RunPlotsCallback(Path runDir) {
        this(runDir, System.err);
    }

    @Override
    public void onEvaluation(Map<String, Object> metrics) {
        draw(runDir);
    }

    @Override
    public void onRunEnd(Path dir) {
        draw(dir);
    }

    private void draw(Path dir) {
        try {
            Plots.runPlots(dir);
        } catch (RuntimeException e) {
            err.println("eapo4j: warning: cannot draw the plots of " + dir + ": " + e.getMessage());
        }
    }
}
