package org.eapo4j.report;

import static org.eapo4j.report.GridReport.col;
import static org.eapo4j.report.GridReport.row;
import static org.eapo4j.report.GridStats.ci;
import static org.eapo4j.report.GridStats.fmt;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

import org.eapo4j.report.GridRuns.Kind;
import org.eapo4j.report.GridRuns.Run;

/**
 * The sensitivity part of the grid report: each method at learning-rate factors 0.5, 1, 2 and EAPO at alpha 0.5, 1,
 * 2. The factor-1 rows are the main-grid runs restricted to the seeds of the variants, so that the rows of a method
 * compare like with like; a method's sensitivity is the range (max - min) of its mean final reward over the factors.
 */
final class GridSensitivity {
    private GridSensitivity() {}

    /** The markdown, and for the plot: method -> learning-rate factor -> final held-out rewards. */
    record Result(String markdown, Map<String, TreeMap<Double, double[]>> lrFinals) {}

    /**
     * One hyperparameter: its name, how a value reads in the table, the value of a run (a factor of the learning rate;
     * alpha itself, whose default is 1), and whether the run varies it.
     */
    private record Knob(String name, String prefix, ToDoubleFunction<Run> value, Predicate<Run> varied) {
        String show(double v) {
            return prefix + (v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v));
        }
    }

    private static final Knob LR = new Knob("learning rate", "lr ×", r -> r.label().lrFactor(),
            r -> r.label().lrFactor() != 1 && r.label().alpha() == 1 && r.label().of(Kind.RECON).isEmpty());
    private static final Knob ALPHA = new Knob("alpha", "alpha ", r -> r.label().alpha(),
            r -> r.label().alpha() != 1 && r.label().lrFactor() == 1 && r.label().of(Kind.RECON).isEmpty());

    static Result of(List<Run> runs) {
        StringBuilder sb = new StringBuilder("\n### Sensitivity to the learning rate and to alpha\n\n");
        Map<String, Map<Double, List<Run>>> lr = groups(runs, LR), alpha = groups(runs, ALPHA);
        if (lr.isEmpty() && alpha.isEmpty())
            return new Result(sb.append("No learning-rate (`<method>-lr<f>x-s<seed>`) or alpha "
                    + "(`eapo-alpha<a>-s<seed>`) runs in this setting.\n").toString(), Map.of());
        Set<Integer> seeds = new TreeSet<>();
        runs.stream().filter(r -> !r.label().mainGrid()).forEach(r -> seeds.add(r.label().seed()));
        sb.append("*lr ×f*: the learning rate times f; *alpha a*: EAPO's alpha (default 1). The lr ×1 and alpha 1 "
                + "rows are the main-grid runs of the variants' seeds (").append(seeds.stream().map(String::valueOf)
                .collect(Collectors.joining(", "))).append("), so the rows of a method are comparable.\n\n");
        sb.append("| method | setting | seeds | final held-out reward | across-seed std | collapsed runs "
                + "| worst drop |\n|---|---|---|---|---|---|---|\n");
        rows(sb, LR, lr);
        rows(sb, ALPHA, alpha);
        sb.append("\nSensitivity: the range (max - min) of the mean final held-out reward over the settings of the "
                + "hyperparameter; the smaller, the less the method depends on it.\n\n");
        sb.append("| method | varied | mean final reward per setting | range |\n|---|---|---|---|\n");
        ranges(sb, LR, lr);
        ranges(sb, ALPHA, alpha);
        Map<String, TreeMap<Double, double[]>> finals = new LinkedHashMap<>();
        lr.forEach((w, byFactor) -> {
            TreeMap<Double, double[]> m = new TreeMap<>();
            byFactor.forEach((f, rs) -> m.put(f, col(rs, Run::finalReward)));
            finals.put(w, m);
        });
        return new Result(sb.toString(), finals);
    }

    /**
     * method -> factor -> runs, for the methods that have runs varying the knob; factor 1 holds the main-grid
     * runs of the seeds that the method's variants use.
     */
    static Map<String, Map<Double, List<Run>>> groups(List<Run> runs, Knob knob) {
        Map<String, Map<Double, List<Run>>> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<Run>> e : GridReport.byMethod(runs).entrySet()) {
            List<Run> variants = e.getValue().stream().filter(knob.varied()).toList();
            if (variants.isEmpty()) continue;
            Set<Integer> seeds = variants.stream().map(r -> r.label().seed()).collect(Collectors.toSet());
            Map<Double, List<Run>> byFactor = new TreeMap<>();
            for (Run r : e.getValue()) {
                boolean base = r.label().mainGrid() && seeds.contains(r.label().seed());
                if (base || variants.contains(r))
                    byFactor.computeIfAbsent(knob.value().applyAsDouble(r), f -> new ArrayList<>()).add(r);
            }
            out.put(e.getKey(), byFactor);
        }
        return out;
    }

    /** The knob's groups with their factors, for the tests. */
    static Map<String, Map<Double, List<Run>>> lrGroups(List<Run> runs) {
        return groups(runs, LR);
    }

    static Map<String, Map<Double, List<Run>>> alphaGroups(List<Run> runs) {
        return groups(runs, ALPHA);
    }

    /** max - min of the mean final reward over the factors; NaN below two factors. */
    static double range(Map<Double, List<Run>> byFactor) {
        double[] means = byFactor.values().stream().mapToDouble(rs -> GridStats.mean(col(rs, Run::finalReward)))
                .toArray();
        return means.length < 2 ? Double.NaN : GridStats.max(means) - GridStats.min(means);
    }

    private static void rows(StringBuilder sb, Knob knob, Map<String, Map<Double, List<Run>>> groups) {
        groups.forEach((w, byFactor) -> byFactor.forEach((f, rs) -> {
            double[] fin = col(rs, Run::finalReward);
            sb.append(row(w, knob.show(f), String.valueOf(rs.size()), ci(fin), fmt(GridStats.std(fin)),
                    rs.stream().filter(Run::collapsed).count() + " of " + rs.size(), ci(col(rs, Run::worstDrop))));
        }));
    }

    private static void ranges(StringBuilder sb, Knob knob, Map<String, Map<Double, List<Run>>> groups) {
        groups.forEach((w, byFactor) -> sb.append(row(w, knob.name(), byFactor.entrySet().stream()
                .map(e -> knob.show(e.getKey()) + ": " + fmt(GridStats.mean(col(e.getValue(), Run::finalReward))))
                .collect(Collectors.joining(", ")), fmt(range(byFactor)))));
    }
}
