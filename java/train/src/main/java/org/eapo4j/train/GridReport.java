package org.eapo4j.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A report of a grid of runs (weighting x seed), read from their metrics.jsonl: for each weighting the held-out reward
 * and best-of-G of the last evaluation (mean and 95% t-interval over seeds), the gain over the untrained policy,
 * diversity of the G completions (distinct-1/2, self-BLEU), stability figures (across-seed std of the final reward,
 * the worst drop of the smoothed rollout reward, entropy collapse: H_t below {@value #COLLAPSE} H_0), a paired
 * comparison of EAPO against each fixed weighting over seeds (paired t-test on the final held-out reward), and two
 * plots (held-out reward over training, min-max bars over seeds; distinct-2 against held-out reward per run).
 *
 * <p>Run folders are named {@code <weighting>-s<seed>} (what {@code docs/RESULTS_STORIES.md} documents).
 */
public final class GridReport {
    static final double COLLAPSE = 0.5;
    private static final Pattern RUN = Pattern.compile("(.+)-s(\\d+)");
    private static final int SMOOTH = 10;

    /** The figures of one run. */
    record Run(String weighting, int seed, double initReward, double finalReward, double finalBest, double distinct1,
               double distinct2, double selfBleu, double worstDrop, double minEntropyRatio,
               TreeMap<Integer, Double> heldoutCurve) {}

    private GridReport() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 2) throw new IllegalArgumentException("usage: GridReport RUNS_DIR OUT.md [title [NOTES.md]]");
        Path runs = Path.of(args[0]), out = Path.of(args[1]);
        String title = args.length > 2 ? args[2] : "Grid report";
        String notes = args.length > 3 ? Files.readString(Path.of(args[3]), StandardCharsets.UTF_8) : "";
        List<Run> all = read(runs);
        if (all.isEmpty()) throw new IllegalArgumentException("RUNS_DIR: no finished <weighting>-s<seed> runs in " + runs);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Path plots = out.toAbsolutePath().getParent().resolve(out.getFileName().toString().replace(".md", ""));
        Files.createDirectories(plots);
        Files.writeString(out, render(title, runs, all, out.toAbsolutePath().getParent().relativize(plots))
                + (notes.isEmpty() ? "" : "\n" + notes), StandardCharsets.UTF_8);
        curves(all, plots.resolve("heldout_reward.png"));
        scatter(all, plots.resolve("diversity_vs_reward.png"));
        System.out.println("wrote " + out + " and plots in " + plots);
    }

    static List<Run> read(Path runs) throws IOException {
        List<Run> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(runs)) {
            for (Path d : dirs.sorted().toList()) {
                Matcher m = RUN.matcher(d.getFileName().toString());
                if (!Files.isDirectory(d) || !m.matches() || !Files.isRegularFile(d.resolve("summary.json"))) continue;
                out.add(run(m.group(1), Integer.parseInt(m.group(2)), MetricsLog.read(d.resolve("metrics.jsonl"))));
            }
        }
        return out;
    }

    static Run run(String weighting, int seed, List<Map<String, Object>> rows) {
        TreeMap<Integer, Double> curve = new TreeMap<>();
        Map<String, Object> first = null, last = null;
        List<Double> reward = new ArrayList<>(), entropy = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            if ("eval".equals(r.get("kind"))) {
                if (first == null) first = r;
                last = r;
                curve.put(Math.max(0, (int) MetricsLog.num(r, "step")), MetricsLog.num(r, "heldout_reward_mean"));
            } else if ("rl".equals(r.get("kind"))) {
                reward.add(MetricsLog.num(r, "reward_mean"));
                entropy.add(MetricsLog.num(r, "entropy_ht"));
            }
        }
        double h0 = entropy.isEmpty() ? Double.NaN : entropy.get(0), minRatio = Double.POSITIVE_INFINITY;
        for (double h : entropy) minRatio = Math.min(minRatio, h / h0);
        return new Run(weighting, seed, MetricsLog.num(first, "heldout_reward_mean"),
                MetricsLog.num(last, "heldout_reward_mean"), MetricsLog.num(last, "heldout_best_of_g"),
                MetricsLog.num(last, "heldout_distinct_1"), MetricsLog.num(last, "heldout_distinct_2"),
                MetricsLog.num(last, "heldout_self_bleu"), worstDrop(reward), minRatio, curve);
    }

    /** The largest fall of the moving average (window {@value #SMOOTH}) of the rollout reward below its running peak. */
    static double worstDrop(List<Double> r) {
        double peak = Double.NEGATIVE_INFINITY, worst = 0, sum = 0;
        for (int i = 0; i < r.size(); i++) {
            sum += r.get(i);
            if (i >= SMOOTH) sum -= r.get(i - SMOOTH);
            if (i < SMOOTH - 1) continue;
            double s = sum / SMOOTH;
            peak = Math.max(peak, s);
            worst = Math.max(worst, peak - s);
        }
        return worst;
    }

    static Map<String, List<Run>> byWeighting(List<Run> all) {
        Map<String, List<Run>> m = new LinkedHashMap<>();
        for (String w : List.of("eapo", "grpo", "w-reinforce", "psr", "nsr")) m.put(w, new ArrayList<>());
        for (Run r : all) m.computeIfAbsent(r.weighting(), k -> new ArrayList<>()).add(r);
        m.values().removeIf(List::isEmpty);
        return m;
    }

    static String render(String title, Path runs, List<Run> all, Path plotDir) {
        Map<String, List<Run>> g = byWeighting(all);
        StringBuilder sb = new StringBuilder("# ").append(title).append("\n\n");
        sb.append("Generated by `./eapo4j report --runs ").append(runs).append("` from ").append(all.size())
                .append(" runs (`<weighting>-s<seed>` folders). Means over seeds with 95% t-intervals; the last "
                        + "evaluation is the end of training.\n\n");
        sb.append("| weighting | seeds | held-out reward: untrained | final | gain | best-of-G | distinct-1 | distinct-2 "
                + "| self-BLEU | across-seed std | worst smoothed drop | min H_t/H_0 | collapsed runs |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, List<Run>> e : g.entrySet()) {
            List<Run> rs = e.getValue();
            double[] init = col(rs, Run::initReward), fin = col(rs, Run::finalReward);
            double[] gain = new double[rs.size()];
            for (int i = 0; i < gain.length; i++) gain[i] = fin[i] - init[i];
            long collapsed = rs.stream().filter(r -> r.minEntropyRatio() < COLLAPSE).count();
            sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %.3f | %s | %s | %d |%n",
                    e.getKey(), rs.size(), ci(init), ci(fin), ci(gain), ci(col(rs, Run::finalBest)),
                    ci(col(rs, Run::distinct1)), ci(col(rs, Run::distinct2)), ci(col(rs, Run::selfBleu)), std(fin),
                    ci(col(rs, Run::worstDrop)), ci(col(rs, Run::minEntropyRatio)), collapsed));
        }
        List<Run> eapo = g.get("eapo");
        if (eapo != null) {
            sb.append("\n## EAPO against each fixed weighting (paired by seed)\n\n");
            sb.append("Final held-out reward, EAPO minus the other weighting, paired by seed (same seed = same "
                    + "untrained model, prompts and evaluation sampling streams); two-sided paired t-test.\n\n");
            sb.append("| vs | pairs | mean difference | 95% interval | t | p |\n|---|---|---|---|---|---|\n");
            for (Map.Entry<String, List<Run>> e : g.entrySet()) {
                if (e.getKey().equals("eapo")) continue;
                List<Double> d = new ArrayList<>();
                for (Run a : eapo)
                    for (Run b : e.getValue()) if (a.seed() == b.seed()) d.add(a.finalReward() - b.finalReward());
                double[] x = d.stream().mapToDouble(Double::doubleValue).toArray();
                if (x.length < 2) continue;
                double t = mean(x) / (std(x) / Math.sqrt(x.length));
                sb.append(String.format(Locale.ROOT, "| %s | %d | %+.3f | [%+.3f, %+.3f] | %.2f | %.3f |%n", e.getKey(),
                        x.length, mean(x), mean(x) - half(x), mean(x) + half(x), t, 2 * (1 - tCdf(Math.abs(t), x.length - 1))));
            }
        }
        sb.append("\n![held-out reward](").append(plotDir.resolve("heldout_reward.png")).append(")\n");
        sb.append("![diversity against reward](").append(plotDir.resolve("diversity_vs_reward.png")).append(")\n");
        return sb.toString();
    }

    interface Field {
        double of(Run r);
    }

    static double[] col(List<Run> rs, Field f) {
        return rs.stream().mapToDouble(f::of).toArray();
    }

    static String ci(double[] x) {
        return x.length < 2 ? String.format(Locale.ROOT, "%.3f", mean(x))
                : String.format(Locale.ROOT, "%.3f ± %.3f", mean(x), half(x));
    }

    static double mean(double[] x) {
        double s = 0;
        for (double v : x) s += v;
        return s / x.length;
    }

    /** Sample standard deviation (n - 1). */
    static double std(double[] x) {
        if (x.length < 2) return Double.NaN;
        double m = mean(x), s = 0;
        for (double v : x) s += (v - m) * (v - m);
        return Math.sqrt(s / (x.length - 1));
    }

    /** Half-width of the 95% t-interval of the mean. */
    static double half(double[] x) {
        return tQuantile975(x.length - 1) * std(x) / Math.sqrt(x.length);
    }

    static double tQuantile975(int df) {
        double lo = 0, hi = 100;
        for (int i = 0; i < 100; i++) {
            double mid = (lo + hi) / 2;
            if (tCdf(mid, df) < 0.975) lo = mid;
            else hi = mid;
        }
        return (lo + hi) / 2;
    }

    /** Student's t CDF for t >= 0: 1/2 + the integral of the density from 0 to t (Simpson's rule). */
    static double tCdf(double t, int df) {
        int n = 2000;
        double h = t / n, s = 0;
        for (int i = 0; i <= n; i++) {
            double x = i * h, w = i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2;
            s += w * Math.pow(1 + x * x / df, -(df + 1) / 2.0);
        }
        double c = Math.exp(lgamma((df + 1) / 2.0) - lgamma(df / 2.0)) / Math.sqrt(df * Math.PI);
        return 0.5 + c * s * h / 3;
    }

    /** log Gamma (Lanczos). */
    static double lgamma(double x) {
        double[] g = {76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155,
                0.1208650973866179e-2, -0.5395239384953e-5};
        double y = x, tmp = x + 5.5;
        tmp -= (x + 0.5) * Math.log(tmp);
        double ser = 1.000000000190015;
        for (double c : g) ser += c / ++y;
        return -tmp + Math.log(2.5066282746310005 * ser / x);
    }

    static void curves(List<Run> all, Path png) {
        XYChart c = new XYChartBuilder().width(900).height(500).title("held-out reward (mean over seeds; bars: min to max)")
                .xAxisTitle("RL step").yAxisTitle("held-out reward").build();
        for (Map.Entry<String, List<Run>> e : byWeighting(all).entrySet()) {
            TreeMap<Integer, double[]> at = new TreeMap<>();
            for (Run r : e.getValue())
                r.heldoutCurve().forEach((k, v) -> at.merge(k, new double[] {v}, (a, b) -> {
                    double[] m = java.util.Arrays.copyOf(a, a.length + 1);
                    m[a.length] = b[0];
                    return m;
                }));
            double[] x = at.keySet().stream().mapToDouble(Integer::doubleValue).toArray();
            double[] y = at.values().stream().mapToDouble(GridReport::mean).toArray();
            double[] err = at.values().stream().mapToDouble(v -> (max(v) - min(v)) / 2).toArray();
            XYSeries s = c.addSeries(e.getKey(), x, y, err);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        save(c, png);
    }

    static void scatter(List<Run> all, Path png) {
        XYChart c = new XYChartBuilder().width(700).height(500).title("diversity against reward (one point per run)")
                .xAxisTitle("final held-out reward").yAxisTitle("distinct-2 of the G completions").build();
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        for (Map.Entry<String, List<Run>> e : byWeighting(all).entrySet())
            c.addSeries(e.getKey(), col(e.getValue(), Run::finalReward), col(e.getValue(), Run::distinct2));
        save(c, png);
    }

    private static double max(double[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (double x : v) m = Math.max(m, x);
        return m;
    }

    private static double min(double[] v) {
        double m = Double.POSITIVE_INFINITY;
        for (double x : v) m = Math.min(m, x);
        return m;
    }

    private static void save(XYChart c, Path png) {
        try {
            BitmapEncoder.saveBitmap(c, png.toString().replaceAll("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
