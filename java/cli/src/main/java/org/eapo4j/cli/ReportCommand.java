package org.eapo4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.eapo4j.train.GridReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = "A markdown report (and plots) of a grid of runs in <weighting>-s<seed> folders: held-out reward, "
                + "diversity, stability, EAPO against each fixed weighting paired by seed.")
public final class ReportCommand implements Callable<Integer> {
    @Option(names = "--runs", required = true, description = "folder holding the <weighting>-s<seed> run folders")
    Path runs;
    @Option(names = "--out", required = true, description = "the markdown file to write (plots go beside it)")
    Path out;
    @Option(names = "--title", defaultValue = "Grid report") String title;
    @Option(names = "--notes", description = "a markdown file appended to the report (the reading of the figures)")
    Path notes;

    @Override
    public Integer call() throws Exception {
        GridReport.main(notes == null ? new String[] {runs.toString(), out.toString(), title}
                : new String[] {runs.toString(), out.toString(), title, notes.toString()});
        return 0;
    }
}
