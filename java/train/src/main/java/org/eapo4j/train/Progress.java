package org.eapo4j.train;

/**
 * A progress display for one phase of a run (warm-up, RL steps). The library draws nothing itself: the CLI plugs in
 * a terminal progress bar, an application its own display.
 */
public interface Progress extends AutoCloseable {
    /** {@code done} of the phase's steps are finished. */
    void stepTo(long done);

    /** A short status line shown beside the bar (the latest figures). */
    void message(String text);

    @Override
    void close();

    /** Starts a display for a phase named {@code task} of {@code steps} steps. */
    @FunctionalInterface
    interface Factory {
        Progress start(String task, int steps);
    }
}
