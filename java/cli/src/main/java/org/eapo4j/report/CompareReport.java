package org.eapo4j.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.eapo4j.train.MetricsLog;
import org.eapo4j.train.RlConfig;
import org.eapo4j.train.RunFolder;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The markdown report of a weightings x seeds grid: a results table (mean ± std over seeds of the final held-out
 * evaluation, diversity, final entropy), the per-seed values, and plots of the curves averaged over seeds.
 */
public final class CompareReport {
    private CompareReport() {}

    /** Folder of one run of the grid. */
    public static Path runDir(Path root, String weighting, long seed) {
        return root.resolve(weighting.replace(':', '_').replace(',', '_') + "-seed" + seed);
    }

    public static Path warmupDir(Path root, long seed) {
        return root.resolve("warmup-seed" + seed);
    }

    /** Writes {@code report.md} and the plots into {@code plotDir}; returns the markdown text. */
    public static String write(Path root, List<String> weightings, List<Long> seeds, Path reportFile, Path plotDir,
                               String command, RlConfig cfg) {
        StringBuilder md = new StringBuilder();
        md.append("# EAPO vs GRPO-family weightings on the embedded medical QA task\n\n");
        md.append("Reproduce with:\n\n```\n").append(command).append("\n```\n\n");
        md.append(String.format(Locale.ROOT, "Setup: RL questions drawn from %s; "
                        + "%d RL steps x %d questions x G=%d answers, lr %.1e, %d epoch(s) x "
                        + "%d minibatches, clip %.2f/%.2f, dual clip %.1f, KL beta %.3f, %s aggregation, "
                        + "advantage scaling: %s; warm-up %d steps (shared by all weightings of a seed); "
                        + "the built-in model. Evaluation: all held-out questions, G=%d samples each, T=%.1f.\n\n",
                cfg.rlQuestions > 0 ? "the first " + cfg.rlQuestions + " train questions" : "all train questions",
                cfg.steps, cfg.promptsPerStep, cfg.numGenerations, cfg.learningRate, cfg.numIterations,
                cfg.minibatches, cfg.epsilon, cfg.epsilonHigh, cfg.dualClip, cfg.beta, cfg.lossType,
                cfg.scaleRewards, cfg.sftWarmupSteps, cfg.evalSamples, cfg.temperature));

        String[] keys = {"heldout_reward_mean", "heldout_best_of_g", "train_reward_mean", "heldout_distinct_1",
                "heldout_distinct_2", "heldout_self_bleu", "heldout_elements_union_frac"};
        String[] heads = {"held-out reward", "best-of-G", "train-q reward", "distinct-1", "distinct-2", "self-BLEU",
                "key points covered by G (share)"};
        md.append("## Final evaluation (mean ± std over ").append(seeds.size()).append(" seeds)\n\n");
        md.append("| weighting |");
        for (String h : heads) md.append(' ').append(h).append(" |");
        md.append(" final H_t | rollout reward (last 10 steps) |\n|---|");
        for (int i = 0; i < heads.length + 2; i++) md.append("---|");
        md.append('\n');

        // warm-up baseline
        List<Map<String, Object>> warm = new ArrayList<>();
        for (long s : seeds) warm.add(lastEval(MetricsLog.read(warmupDir(root, s).resolve(RunFolder.METRICS)), "warmup"));
        md.append("| warm-up policy (before RL) |");
        for (String k : keys) md.append(' ').append(meanStd(values(warm, k))).append(" |");
        md.append(" – | – |\n");

        Map<String, double[]> finalBySeed = new TreeMap<>();
        StringBuilder perSeed = new StringBuilder();
        for (String w : weightings) {
            List<Map<String, Object>> finals = new ArrayList<>();
            List<Double> ht = new ArrayList<>(), rr = new ArrayList<>();
            for (long s : seeds) {
                List<Map<String, Object>> rows = MetricsLog.read(runDir(root, w, s).resolve(RunFolder.METRICS));
                finals.add(lastEval(rows, "rl"));
                ht.add(tailMean(rows, "entropy_ht", 10));
                rr.add(tailMean(rows, "reward_mean", 10));
            }
            md.append("| ").append(w).append(" |");
            for (String k : keys) md.append(' ').append(meanStd(values(finals, k))).append(" |");
            md.append(' ').append(meanStd(ht)).append(" | ").append(meanStd(rr)).append(" |\n");
            List<Double> fr = values(finals, "heldout_reward_mean");
            finalBySeed.put(w, fr.stream().mapToDouble(Double::doubleValue).toArray());
            perSeed.append("| ").append(w).append(" |");
            for (Double v : fr) perSeed.append(String.format(Locale.ROOT, " %.3f |", v));
            List<Double> tr = values(finals, "train_reward_mean");
            for (Double v : tr) perSeed.append(String.format(Locale.ROOT, " %.3f |", v));
            perSeed.append('\n');
        }
        md.append("\n## Per seed (stability)\n\nFinal held-out reward and train-question reward of each seed; the std "
                + "columns above are the across-seed spread.\n\n| weighting |");
        for (long s : seeds) md.append(" held-out s").append(s).append(" |");
        for (long s : seeds) md.append(" train-q s").append(s).append(" |");
        md.append("\n|---|");
        for (int i = 0; i < 2 * seeds.size(); i++) md.append("---|");
        md.append('\n').append(perSeed);

        // plots
        List<String> files = new ArrayList<>();
        files.add(plot(root, weightings, seeds, plotDir, "entropy", "rl", "entropy_ht", 1, "H_t (rollout entropy)"));
        files.add(plot(root, weightings, seeds, plotDir, "lambda_pos", "rl", "lambda_pos", 1, "lambda_pos"));
        files.add(plot(root, weightings, seeds, plotDir, "rollout_reward", "rl", "reward_mean", 10,
                "rollout reward (moving mean of 10 steps)"));
        files.add(plot(root, weightings, seeds, plotDir, "heldout_reward", "eval", "heldout_reward_mean", 1,
                "held-out mean reward"));
        files.add(plot(root, weightings, seeds, plotDir, "train_question_reward", "eval", "train_reward_mean", 1,
                "train-question eval reward"));
        files.add(plot(root, weightings, seeds, plotDir, "distinct_2", "eval", "heldout_distinct_2", 1,
                "held-out distinct-2"));
        files.add(plot(root, weightings, seeds, plotDir, "keypoints_union", "eval", "heldout_elements_union_frac", 1,
                "share of key points covered by the G answers"));
        files.add(seedSpread(plotDir, finalBySeed));
        md.append("\n## Plots (curves are means over seeds)\n\n");
        Path base = reportFile.toAbsolutePath().getParent();
        for (String f : files) {
            if (f == null) continue;
            String rel = base.relativize(Path.of(f).toAbsolutePath()).toString();
            md.append("![").append(Path.of(f).getFileName()).append("](").append(rel).append(")\n\n");
        }
        try {
            Files.createDirectories(base);
            Files.writeString(reportFile, md.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return md.toString();
    }

    static Map<String, Object> lastEval(List<Map<String, Object>> rows, String policy) {
        Map<String, Object> last = null;
        for (Map<String, Object> r : rows)
            if ("eval".equals(r.get("kind")) && policy.equals(r.get("policy"))) last = r;
        return last;
    }

    static double tailMean(List<Map<String, Object>> rows, String key, int n) {
        List<Double> v = new ArrayList<>();
        for (Map<String, Object> r : rows) if ("rl".equals(r.get("kind"))) v.add(MetricsLog.num(r, key));
        if (v.isEmpty()) return Double.NaN;
        double s = 0;
        int c = 0;
        for (int i = Math.max(0, v.size() - n); i < v.size(); i++) {
            s += v.get(i);
            c++;
        }
        return s / c;
    }

    static List<Double> values(List<Map<String, Object>> rows, String key) {
        List<Double> v = new ArrayList<>();
        for (Map<String, Object> r : rows) v.add(r == null ? Double.NaN : MetricsLog.num(r, key));
        return v;
    }

    /** Mean ± sample std of the values that are not NaN (std 0 for one value), "n/a" for none. */
    static String meanStd(List<Double> v) {
        double[] x = v.stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d)).toArray();
        if (x.length == 0) return "n/a";
        return String.format(Locale.ROOT, "%.3f ± %.3f", GridStats.mean(x), x.length > 1 ? GridStats.std(x) : 0);
    }

    /** Mean over seeds of one metric against step, one line per weighting. */
    static String plot(Path root, List<String> weightings, List<Long> seeds, Path dir, String name, String kind,
                       String key, int smooth, String yLabel) {
        List<Plots.Curve> curves = new ArrayList<>();
        for (String w : weightings) {
            TreeMap<Double, double[]> acc = new TreeMap<>();
            for (long s : seeds) {
                Plots.Curve c = Plots.curve(w, MetricsLog.read(runDir(root, w, s).resolve(RunFolder.METRICS)), kind, key);
                double[] y = smooth > 1 ? movingMean(c.y(), smooth) : c.y();
                for (int i = 0; i < c.x().length; i++) {
                    double[] a = acc.computeIfAbsent(c.x()[i], k -> new double[2]);
                    a[0] += y[i];
                    a[1]++;
                }
            }
            double[] x = new double[acc.size()], y = new double[acc.size()];
            int i = 0;
            for (Map.Entry<Double, double[]> e : acc.entrySet()) {
                x[i] = e.getKey();
                y[i++] = e.getValue()[0] / e.getValue()[1];
            }
            curves.add(new Plots.Curve(w, x, y));
        }
        XYChart chart = Plots.chart(yLabel + " — mean over seeds " + seeds.stream().map(String::valueOf)
                .collect(Collectors.joining(", ")), yLabel, curves);
        if (chart == null) return null;
        Path p = dir.resolve(name + ".png");
        Plots.save(chart, p);
        return p.toString();
    }

    static double[] movingMean(double[] y, int n) {
        double[] out = new double[y.length];
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += y[i];
            if (i >= n) s -= y[i - n];
            out[i] = s / Math.min(i + 1, n);
        }
        return out;
    }

    static String seedSpread(Path dir, Map<String, double[]> bySeed) {
        XYChart chart = new XYChartBuilder().width(800).height(450).title("final held-out reward per seed")
                .xAxisTitle("weighting (index in the table)").yAxisTitle("held-out reward").build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(9);
        int i = 0;
        for (Map.Entry<String, double[]> e : bySeed.entrySet()) {
            double[] x = new double[e.getValue().length];
            java.util.Arrays.fill(x, ++i);
            XYSeries s = chart.addSeries(e.getKey(), x, e.getValue());
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        ChartAxes.yDecimals(chart);
        try {
            Files.createDirectories(dir);
            BitmapEncoder.saveBitmap(chart, dir.resolve("seed_spread").toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir.resolve("seed_spread.png").toString();
    }
}
