package org.eapo4j.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG line charts of a run's metrics (xchart). */
public final class Plots {
    private Plots() {}

    /** A named curve. */
    public record Curve(String name, double[] x, double[] y) {}

    /** Values of {@code key} over "step" for the records of one kind (NaN values skipped). */
    public static Curve curve(String name, List<Map<String, Object>> rows, String kind, String key) {
        List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            if (!kind.equals(r.get("kind"))) continue;
            double x = MetricsLog.num(r, "step"), y = MetricsLog.num(r, key);
            if (Double.isNaN(x) || Double.isNaN(y)) continue;
            xs.add(x);
            ys.add(y);
        }
        return new Curve(name, xs.stream().mapToDouble(Double::doubleValue).toArray(),
                ys.stream().mapToDouble(Double::doubleValue).toArray());
    }

    public static void save(Path png, String title, String yLabel, List<Curve> curves) {
        XYChart chart = new XYChartBuilder().width(800).height(450).title(title).xAxisTitle("RL step")
                .yAxisTitle(yLabel).build();
        chart.getStyler().setMarkerSize(3);
        boolean any = false;
        for (Curve c : curves) {
            if (c.x().length == 0) continue;
            XYSeries s = chart.addSeries(c.name(), c.x(), c.y());
            s.setMarker(c.x().length > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
            any = true;
        }
        if (!any) return;
        try {
            Files.createDirectories(png.toAbsolutePath().getParent());
            String base = png.toString().endsWith(".png") ? png.toString().substring(0, png.toString().length() - 4)
                    : png.toString();
            BitmapEncoder.saveBitmap(chart, base, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write plot " + png, e);
        }
    }

    /** The four standard plots of one run, from its metrics.jsonl, into {@code dir}; returns the files. */
    public static List<Path> runPlots(Path metrics, Path dir) {
        List<Map<String, Object>> rows = MetricsLog.read(metrics);
        Map<String, List<Curve>> plots = new LinkedHashMap<>();
        plots.put("entropy", List.of(curve("H_t (rollout entropy)", rows, "rl", "entropy_ht"),
                curve("H_0", rows, "rl", "h0")));
        plots.put("lambda_pos", List.of(curve("lambda_pos", rows, "rl", "lambda_pos"),
                curve("lambda_neg", rows, "rl", "lambda_neg")));
        plots.put("reward", List.of(curve("rollout reward (train)", rows, "rl", "reward_mean"),
                curve("held-out mean", rows, "eval", "heldout_reward_mean"),
                curve("held-out best-of-G", rows, "eval", "heldout_best_of_g"),
                curve("train-set eval mean", rows, "eval", "train_reward_mean")));
        plots.put("diversity", List.of(curve("distinct-1", rows, "eval", "heldout_distinct_1"),
                curve("distinct-2", rows, "eval", "heldout_distinct_2"),
                curve("self-BLEU", rows, "eval", "heldout_self_bleu"),
                curve("key points covered by G (share)", rows, "eval", "heldout_keypoints_union_frac")));
        List<Path> out = new ArrayList<>();
        for (Map.Entry<String, List<Curve>> e : plots.entrySet()) {
            Path p = dir.resolve(e.getKey() + ".png");
            save(p, e.getKey(), e.getKey(), e.getValue());
            out.add(p);
        }
        return out;
    }
}
