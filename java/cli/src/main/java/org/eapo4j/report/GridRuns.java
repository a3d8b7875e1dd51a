package org.eapo4j.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.eapo4j.train.AtomicFiles;
import org.eapo4j.train.MetricsLog;

/**
 * Reads one setting's folder of runs written by {@code ./eapo4j train} (what {@code benchmarks/grid.sh} lays out):
 * {@code <weighting>-s<seed>} (the main grid), {@code <weighting>-lr<f>x-s<seed>} (learning rate times f) and
 * {@code eapo-alpha<a>-s<seed>}; other folders (the warm-up runs among them) and runs without summary.json
 * (unfinished) are left out.
 */
final class GridRuns {
    /** Entropy collapse: H_t below this share of H_0 (the entropy of the first RL step). */
    static final double COLLAPSE = 0.5;
    static final List<String> WEIGHTINGS = List.of("eapo", "grpo", "w-reinforce", "psr", "nsr");
    private static final String NUM = "(\\d+(?:\\.\\d+)?)";
    private static final Pattern FOLDER = Pattern.compile("(" + String.join("|", WEIGHTINGS)
            + ")(?:-lr" + NUM + "x|-alpha" + NUM + ")?-s(\\d+)");

    private GridRuns() {}

    /** What a folder name says: the weighting, the learning-rate factor and alpha (1 when not varied), the seed. */
    record Label(String weighting, double lrFactor, double alpha, int seed) {
        boolean mainGrid() {
            return lrFactor == 1 && alpha == 1;
        }

        /** The folder name again. */
        String name() {
            String v = lrFactor != 1 ? "-lr" + num(lrFactor) + "x" : alpha != 1 ? "-alpha" + num(alpha) : "";
            return weighting + v + "-s" + seed;
        }

        /** The label of a run folder's name, or null for a folder that is not part of the grid. */
        static Label parse(String folder) {
            Matcher m = FOLDER.matcher(folder);
            if (!m.matches()) return null;
            double lr = m.group(2) == null ? 1 : Double.parseDouble(m.group(2));
            double alpha = m.group(3) == null ? 1 : Double.parseDouble(m.group(3));
            // a variant at factor 1 would pass for a main-grid run of the same seed
            if (!(lr > 0) || !(alpha > 0) || m.group(2) != null && lr == 1 || m.group(3) != null && alpha == 1) return null;
            return new Label(m.group(1), lr, alpha, Integer.parseInt(m.group(4)));
        }
    }

    /** Per-step curves of one run: held-out reward (by RL step), smoothed rollout reward, H_t / H_0. */
    record Curves(TreeMap<Integer, Double> heldout, TreeMap<Integer, Double> rollout, TreeMap<Integer, Double> entropy) {}

    /**
     * The figures of one run. start is the first evaluation, the others the last one; elements is the share of a
     * prompt's required elements covered by its G completions (NaN when the run has none); collapseStep is the first
     * RL step with H_t < {@value #COLLAPSE} H_0, or -1.
     */
    record Run(Label label, double startReward, double finalReward, double finalBest, double distinct1,
               double distinct2, double selfBleu, double elements, double worstDrop, double minEntropyRatio,
               int collapseStep, Curves curves) {
        double gain() {
            return finalReward - startReward;
        }

        boolean collapsed() {
            return collapseStep >= 0;
        }
    }

    /** The finished runs of a setting, and how many grid folders were left out as unfinished. */
    record Setting(List<Run> runs, int unfinished) {}

    static Setting read(Path dir) {
        List<Run> out = new ArrayList<>();
        int unfinished = 0;
        try (Stream<Path> dirs = Files.list(dir)) {
            for (Path d : dirs.sorted().toList()) {
                Label l = Label.parse(d.getFileName().toString());
                if (l == null || !Files.isDirectory(d)) continue;
                if (!Files.isRegularFile(d.resolve("summary.json"))) {
                    unfinished++;
                    continue;
                }
                Run r = run(l, MetricsLog.read(d.resolve("metrics.jsonl")), finalEvalElements(d));
                if (r != null) out.add(r);
                else unfinished++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + AtomicFiles.reason(e), e);
        }
        return new Setting(out, unfinished);
    }

    /** elements_union_frac of the run's final-eval.json (the post-hoc evaluation), NaN without one. */
    static double finalEvalElements(Path runDir) {
        Path f = runDir.resolve("final-eval.json");
        if (!Files.isRegularFile(f)) return Double.NaN;
        try {
            Map<?, ?> m = new ObjectMapper().readValue(f.toFile(), Map.class);
            return m.get("elements_union_frac") instanceof Number n ? n.doubleValue() : Double.NaN;
        } catch (IOException e) {
            throw new IllegalArgumentException("--runs: cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    /** The figures of one run from its metrics.jsonl rows; null when it has no evaluation. */
    static Run run(Label label, List<Map<String, Object>> rows, double finalEvalElements) {
        TreeMap<Integer, Double> heldout = new TreeMap<>(), rollout = new TreeMap<>(), entropy = new TreeMap<>();
        Map<String, Object> first = null, last = null;
        List<Double> reward = new ArrayList<>();
        List<Integer> steps = new ArrayList<>();
        double h0 = Double.NaN, minRatio = Double.NaN;
        int collapseStep = -1;
        for (Map<String, Object> r : rows) {
            int step = (int) MetricsLog.num(r, "step");
            if ("eval".equals(r.get("kind"))) {
                if (first == null) first = r;
                last = r;
                heldout.put(Math.max(0, step), MetricsLog.num(r, "heldout_reward_mean"));
            } else if ("rl".equals(r.get("kind"))) {
                reward.add(MetricsLog.num(r, "reward_mean"));
                steps.add(step);
                double h = MetricsLog.num(r, "entropy_ht");
                if (Double.isNaN(h0)) h0 = h;
                double ratio = h / h0;
                entropy.put(step, ratio);
                minRatio = Double.isNaN(minRatio) ? ratio : Math.min(minRatio, ratio);
                if (collapseStep < 0 && ratio < COLLAPSE) collapseStep = step;
            }
        }
        if (first == null) return null;
        double[] s = GridStats.smoothed(reward);
        for (int i = 0; i < s.length; i++) rollout.put(steps.get(i + GridStats.SMOOTH - 1), s[i]);
        double keypoints = MetricsLog.num(last, "heldout_elements_union_frac");
        if (Double.isNaN(keypoints)) keypoints = MetricsLog.num(last, "heldout_keypoints_union_frac");   // older runs
        return new Run(label, MetricsLog.num(first, "heldout_reward_mean"), MetricsLog.num(last, "heldout_reward_mean"),
                MetricsLog.num(last, "heldout_best_of_g"), MetricsLog.num(last, "heldout_distinct_1"),
                MetricsLog.num(last, "heldout_distinct_2"), MetricsLog.num(last, "heldout_self_bleu"),
                Double.isNaN(keypoints) ? finalEvalElements : keypoints, GridStats.worstDrop(reward), minRatio,
                collapseStep, new Curves(heldout, rollout, entropy));
    }

    private static String num(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
