package org.eapo4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.eapo4j.report.GridReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code report}: the markdown report of one or more settings' grids of runs ({@link GridReport}). */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "A markdown report (and plots) of the EAPO experiment over one or more settings, each a folder of "
                + "<weighting>-s<seed>, <weighting>-lr<f>x-s<seed> and eapo-alpha<a>-s<seed> runs: held-out reward, "
                + "diversity, stability, EAPO against each fixed weighting paired by seed, learning-rate and alpha "
                + "sensitivity.")
public final class ReportCommand implements Callable<Integer> {
    @Option(names = "--runs", required = true, paramLabel = "[LABEL=]DIR",
            description = "a setting's folder of run folders, repeatable; LABEL (default: the folder's name) titles its "
                    + "section and names its plot folder")
    List<String> runs = new ArrayList<>();
    @Option(names = "--start", paramLabel = "LABEL=TEXT",
            description = "what a setting's first evaluation (the 'start' column) is, e.g. "
                    + "stories='the untrained stories260K'; repeatable (LABEL= may be left out with one setting)")
    List<String> starts = new ArrayList<>();
    @Option(names = "--out", required = true, description = "the markdown file to write (plots go in <basename>/<label>/)")
    Path out;
    @Option(names = "--title", description = "the report's title (default: Grid report)") String title;
    @Option(names = "--notes", description = "a markdown file appended to the report (the reading of the figures)")
    Path notes;

    @Override
    public Integer call() {
        List<GridReport.Setting> settings = GridReport.settings(runs, starts);
        GridReport.write(settings, out, title == null ? "Grid report" : title, notes,
                GridReport.command(runs, starts, out, title, notes));
        return 0;
    }
}
