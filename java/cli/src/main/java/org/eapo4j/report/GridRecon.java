package org.eapo4j.report;

import static org.eapo4j.report.GridReport.col;
import static org.eapo4j.report.GridReport.row;
import static org.eapo4j.report.GridStats.ci;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.eapo4j.report.GridRuns.Kind;
import org.eapo4j.report.GridRuns.Run;

/**
 * The reconstruction part of the grid report. The paper's full text is not public, so the functional form of
 * lambda_pos, H_0, the EMA of H_t, the bounds and alpha are free choices of ours; each run folder
 * {@code <method>-<choice...>-s<seed>} ({@link GridRuns.Kind#RECON} modifiers, or alpha) changes some of them. One row
 * per choice, compared with the default: the main-grid runs of the same method on the same seeds (paired by seed).
 */
final class GridRecon {
    /** How the default's row and curve are named: its method and this. */
    static final String DEFAULT = " (default)";

    private GridRecon() {}

    /** The markdown, and for the plots: the default and each choice (name -> runs), empty without choices. */
    record Result(String markdown, Map<String, List<Run>> curves) {}

    /**
     * The order of the choices: by method, then by the places of their words in {@link GridRuns#MODIFIERS} (alpha, the
     * form, H_0, the EMA, the bounds), then by the words' values, then by seed.
     */
    static final Comparator<GridRuns.Label> ORDER = ((Comparator<GridRuns.Label>) GridRuns::methodOrder)
            .thenComparing(GridRecon::byGrammar)
            .thenComparing(GridRuns.Label::alpha).thenComparing(GridRuns.Label::variant)
            .thenComparing(GridRuns.Label::seed);

    private static int byGrammar(GridRuns.Label a, GridRuns.Label b) {
        List<Integer> x = places(a), y = places(b);
        for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
            int c = Integer.compare(x.get(i), y.get(i));
            if (c != 0) return c;
        }
        return Integer.compare(x.size(), y.size());
    }

    private static List<Integer> places(GridRuns.Label l) {
        return l.modifiers().stream().map(w -> GridRuns.MODIFIERS.indexOf(GridRuns.modifier(w)))
                .filter(i -> GridRuns.MODIFIERS.get(i).kind() != Kind.CONTROL).sorted().toList();
    }

    /** choice name (the folder name without the seed, e.g. eapo-linear) -> its runs, in {@link #ORDER}. */
    static Map<String, List<Run>> choices(List<Run> runs) {
        List<Run> sorted = runs.stream().filter(r -> r.label().reconstruction())
                .sorted(Comparator.comparing(Run::label, ORDER)).toList();
        Map<String, List<Run>> m = new LinkedHashMap<>();
        for (Run r : sorted) m.computeIfAbsent(name(r), k -> new ArrayList<>()).add(r);
        return m;
    }

    static String name(Run r) {
        return r.label().method() + "-" + r.label().variant();
    }

    /** The main-grid runs of a choice's method on the seeds of the choice's runs. */
    static List<Run> defaults(List<Run> runs, List<Run> choice) {
        String method = choice.get(0).label().method();
        Set<Integer> seeds = choice.stream().map(r -> r.label().seed()).collect(Collectors.toSet());
        return runs.stream().filter(r -> r.label().mainGrid() && r.label().method().equals(method)
                && seeds.contains(r.label().seed())).toList();
    }

    static Result of(List<Run> runs) {
        StringBuilder sb = new StringBuilder("\n### EAPO's reconstruction choices\n\n");
        Map<String, List<Run>> choices = choices(runs);
        if (choices.isEmpty())
            return new Result(sb.append("No reconstruction runs (`eapo-<choice>-s<seed>`: `linear`, `h0mean<k>`, "
                    + "`ema<b>`, `bounds<lo>-<hi>`, `nobounds`, `alpha<a>`) in this setting.\n").toString(), Map.of());
        // the default row: every method's main-grid runs on the seeds of any of its choices
        Map<String, List<Run>> curves = new LinkedHashMap<>();
        for (List<Run> c : choices.values()) {
            String method = c.get(0).label().method();
            List<Run> d = curves.computeIfAbsent(method, k -> new ArrayList<>());
            for (Run r : defaults(runs, c)) if (!d.contains(r)) d.add(r);
        }
        curves.values().forEach(l -> l.sort(Comparator.comparing(Run::label, GridRuns.ORDER)));
        curves.values().removeIf(List::isEmpty);
        Set<Integer> seeds = new TreeSet<>();
        choices.values().forEach(c -> c.forEach(r -> seeds.add(r.label().seed())));
        sb.append("The paper's full text is not public: lambda_pos = clamp((H_t/H_0)^alpha, lambda_min, lambda_max) "
                + "with H_0 the H_t of the first RL step, no EMA, bounds [0.05, 4] and alpha 1 is our reconstruction "
                + "of it (the *default*). Each row below changes one choice (run folder `<method>-<choice>-s<seed>`) "
                + "and is compared with the default: the main-grid runs of the same method on the same seeds (")
                .append(seeds.stream().map(String::valueOf).collect(Collectors.joining(", "))).append(").\n\n");
        boolean configs = runs.stream().anyMatch(r -> !r.config().isEmpty());
        sb.append("| choice | what it changes | seeds | final held-out reward | final H_t/H_0 | min H_t/H_0 "
                + "| collapsed runs | first collapse step | distinct-2 | worst drop |")
                .append(configs ? " settings |\n" : "\n").append("|---|---|---|---|---|---|---|---|---|---|")
                .append(configs ? "---|\n" : "\n");
        curves.forEach((method, d) -> level(sb, method + DEFAULT, "-", d, configs));
        choices.forEach((name, rs) -> level(sb, name, meaning(rs.get(0)), rs, configs));
        int n = choices.values().stream().mapToInt(rs -> differences(runs, rs, GridReport.MEASURES.get(0)).length)
                .max().orElse(0);
        sb.append("\nEffect of each choice: the choice minus the default, run against run with the same seed. ");
        if (n < 2) sb.append(GridReport.NO_PAIRS);
        else {
            sb.append(GridReport.pairedLegend(n)).append("\n\n");
            sb.append(GridReport.PAIRED_HEADER.replace("| vs |", "| choice |"));
            for (GridReport.Measure m : List.of(GridReport.MEASURES.get(0), GridReport.MEASURES.get(3),
                    GridReport.MEASURES.get(4), GridReport.MEASURES.get(1)))
                choices.forEach((name, rs) -> GridReport.pairedRow(sb, m.name(), name, differences(runs, rs, m)));
        }
        Map<String, List<Run>> plot = new LinkedHashMap<>();
        curves.forEach((method, d) -> plot.put(method + DEFAULT, d));
        plot.putAll(choices);
        return new Result(sb.toString(), plot);
    }

    private static void level(StringBuilder sb, String name, String meaning, List<Run> rs, boolean configs) {
        List<String> cells = new ArrayList<>(List.of(name, meaning, String.valueOf(rs.size()),
                ci(col(rs, Run::finalReward)), ci(col(rs, Run::finalEntropyRatio)), ci(col(rs, Run::minEntropyRatio)),
                GridReport.collapsed(rs), GridReport.collapseSteps(rs), ci(col(rs, Run::distinct2)),
                ci(col(rs, Run::worstDrop))));
        if (configs) cells.add(GridReport.settings(rs));
        sb.append(row(cells.toArray(String[]::new)));
    }

    /** What a run's choices change, from the grammar's meanings with the values of its words. */
    static String meaning(Run r) {
        List<String> parts = new ArrayList<>();
        for (String w : r.label().modifiers()) {
            GridRuns.Modifier m = GridRuns.modifier(w);
            if (m.kind() == Kind.RECON || m.kind() == Kind.ALPHA) parts.add("`" + w + "`: " + m.meaning());
        }
        return String.join("; ", parts);
    }

    /** choice - default per seed. */
    static double[] differences(List<Run> runs, List<Run> choice, GridReport.Measure m) {
        return GridReport.differences(choice, defaults(runs, choice), m.value());
    }
}
