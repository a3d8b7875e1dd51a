package org.eapo4j.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.eapo4j.train.Progress;

/** {@link Progress} as a console progress bar (me.tongfei:progressbar). */
final class TerminalProgress implements Progress {
    static final Progress.Factory FACTORY = TerminalProgress::new;

    private final ProgressBar bar;

    private TerminalProgress(String task, int steps) {
        bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(steps).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250).setMaxRenderedLength(160).continuousUpdate().build();
    }

    @Override
    public void stepTo(long done) {
        bar.stepTo(done);
    }

    @Override
    public void message(String text) {
        bar.setExtraMessage(text);
    }

    @Override
    public void close() {
        bar.close();
    }
}
