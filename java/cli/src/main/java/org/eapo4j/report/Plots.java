package org.eapo4j.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eapo4j.train.MetricsLog;
import org.eapo4j.train.RunFolder;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG line charts over RL steps (xchart): the four plots of one run (entropy.png, lambda_pos.png, reward.png,
 * diversity.png, titled with the run: {@link RunTitle}), and the line charts of {@link CompareReport}.
 */
public final class Plots {
    private Plots() {}

    /** A named curve. */
    public record Curve(String name, double[] x, double[] y) {}

    /**
     * Values of {@code key} over "step" for the records of one kind (NaN values skipped); the evaluation of the
     * untrained policy (step -1) is drawn at step 0, before any RL step.
     */
    public static Curve curve(String name, List<Map<String, Object>> rows, String kind, String key) {
        List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            if (!kind.equals(r.get("kind"))) continue;
            double x = MetricsLog.num(r, "step"), y = MetricsLog.num(r, key);
            if (Double.isNaN(x) || Double.isNaN(y)) continue;
            xs.add(Math.max(0, x));
            ys.add(y);
        }
        return new Curve(name, xs.stream().mapToDouble(Double::doubleValue).toArray(),
                ys.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** A line chart of the curves over RL steps, numeric ticks on both axes; null when no curve has a point. */
    public static XYChart chart(String title, String yLabel, List<Curve> curves) {
        XYChart chart = new XYChartBuilder().width(800).height(450).title(title).xAxisTitle("RL step")
                .yAxisTitle(yLabel).build();
        chart.getStyler().setMarkerSize(3);
        for (Curve c : curves) {
            if (c.x().length == 0) continue;
            XYSeries s = chart.addSeries(c.name(), c.x(), c.y());
            s.setMarker(c.x().length > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        }
        if (chart.getSeriesMap().isEmpty()) return null;
        ChartAxes.stepAxis(chart);
        ChartAxes.yDecimals(chart);
        return chart;
    }

    /** Writes the chart as a PNG ({@code png} ends in .png). */
    public static void save(XYChart chart, Path png) {
        try {
            Files.createDirectories(png.toAbsolutePath().getParent());
            BitmapEncoder.saveBitmap(chart, png.toString().replaceAll("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write plot " + png, e);
        }
    }

    /** The standard charts of the run in {@code runDir}, from its metrics.jsonl, by file name (without .png). */
    public static Map<String, XYChart> runCharts(Path runDir) {
        List<Map<String, Object>> rows = MetricsLog.read(runDir.resolve(RunFolder.METRICS));
        String run = " — " + RunTitle.of(runDir);
        Map<String, XYChart> charts = new LinkedHashMap<>();
        charts.put("entropy", chart("rollout entropy" + run, "entropy (nats per token)",
                List.of(curve("H_t (rollout entropy)", rows, "rl", "entropy_ht"), curve("H_0", rows, "rl", "h0"))));
        charts.put("lambda_pos", chart("advantage weights" + run, "weight",
                List.of(curve("lambda_pos", rows, "rl", "lambda_pos"), curve("lambda_neg", rows, "rl", "lambda_neg"))));
        charts.put("reward", chart("reward" + run, "mean reward",
                List.of(curve("rollout reward (train)", rows, "rl", "reward_mean"),
                        curve("held-out mean", rows, "eval", "heldout_reward_mean"),
                        curve("held-out best-of-G", rows, "eval", "heldout_best_of_g"),
                        curve("train-set eval mean", rows, "eval", "train_reward_mean"))));
        charts.put("diversity", chart("diversity of the G held-out completions" + run, "0 to 1",
                List.of(curve("distinct-1", rows, "eval", "heldout_distinct_1"),
                        curve("distinct-2", rows, "eval", "heldout_distinct_2"),
                        curve("self-BLEU", rows, "eval", "heldout_self_bleu"),
                        curve("elements covered by G (share)", rows, "eval", "heldout_elements_union_frac"))));
        charts.values().removeIf(c -> c == null);
        return charts;
    }

    /** Draws {@link #runCharts} into {@code runDir}; returns the files written. */
    public static List<Path> runPlots(Path runDir) {
        List<Path> out = new ArrayList<>();
        for (Map.Entry<String, XYChart> e : runCharts(runDir).entrySet()) {
            Path p = runDir.resolve(e.getKey() + ".png");
            save(e.getValue(), p);
            out.add(p);
        }
        return out;
    }
}
