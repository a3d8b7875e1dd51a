package org.eapo4j.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eapo4j.train.AtomicFiles;
import org.eapo4j.train.MetricsLog;

/**
 * Reads one setting's folder of runs written by {@code ./eapo4j train} (what {@code benchmarks/grid.sh} lays out). A
 * run folder is named {@code <weighting>[-<modifier>...]-s<seed>}; the modifiers ({@link #MODIFIERS}, one grammar for
 * every grid) say what the run changes: the learning rate ({@code lr<f>x}), EAPO's alpha ({@code alpha<a>}), an entropy
 * control added to the weighting ({@code entbonus}, {@code top<q>}, {@code clipcov}, {@code klcov}, {@code adaent}) or a
 * reconstruction choice of EAPO ({@code linear}, {@code h0mean<k>}, {@code ema<b>}, {@code bounds<lo>-<hi>},
 * {@code nobounds}). The weighting and its controls make the run's <em>method</em> (e.g. {@code grpo-top20}); the
 * other modifiers make a <em>variant</em> of the method. Other folders (the warm-up runs among them) and runs without
 * summary.json (unfinished) are left out.
 */
final class GridRuns {
    /** Entropy collapse: H_t below this share of H_0 (the entropy of the first RL step). */
    static final double COLLAPSE = 0.5;
    static final List<String> WEIGHTINGS = List.of("eapo", "grpo", "w-reinforce", "psr", "nsr");
    private static final String NUM = "\\d+(?:\\.\\d+)?";

    /** What a modifier of a folder name changes. */
    enum Kind {
        /** the learning rate, times a factor (a variant) */
        LR,
        /** EAPO's alpha (a variant; also a reconstruction choice) */
        ALPHA,
        /** an entropy control added to the weighting (part of the method) */
        CONTROL,
        /** a reconstruction choice of EAPO (a variant) */
        RECON
    }

    /** One word of the folder-name grammar: what it changes, its pattern, and what it means (for the report). */
    record Modifier(Kind kind, Pattern pattern, String meaning) {
        Modifier(Kind kind, String regex, String meaning) {
            this(kind, Pattern.compile(regex), meaning);
        }
    }

    /** Every modifier a folder name may carry, each at most once, in the order the report lists them. */
    static final List<Modifier> MODIFIERS = List.of(
            new Modifier(Kind.LR, "lr" + NUM + "x", "learning rate times f"),
            new Modifier(Kind.ALPHA, "alpha" + NUM, "EAPO's alpha (lambda_pos = (H_t/H_0)^alpha)"),
            new Modifier(Kind.CONTROL, "entbonus", "entropy bonus (entropy_coef)"),
            new Modifier(Kind.CONTROL, "top\\d+", "only the top q% entropy tokens get the policy gradient "
                    + "(top_entropy_quantile)"),
            new Modifier(Kind.CONTROL, "clipcov", "Clip-Cov (loss_mode clip_cov)"),
            new Modifier(Kind.CONTROL, "klcov", "KL-Cov (loss_mode kl_cov)"),
            new Modifier(Kind.CONTROL, "adaent", "adaptive entropy coefficient (use_adaptive_entropy)"),
            new Modifier(Kind.RECON, "linear", "clipped linear form: lambda_pos = clamp(1 + alpha (H_t/H_0 - 1)) "
                    + "(eapo_form linear)"),
            new Modifier(Kind.RECON, "h0mean\\d+", "H_0 = the mean H_t of the first k steps (h0_steps k)"),
            new Modifier(Kind.RECON, "ema" + NUM, "H_t smoothed by an EMA of coefficient b (entropy_ema b)"),
            new Modifier(Kind.RECON, "bounds" + NUM + "-" + NUM, "lambda_pos clamped to [lo, hi] (lambda_min, "
                    + "lambda_max)"),
            new Modifier(Kind.RECON, "nobounds", "no effective clamp of lambda_pos (lambda_min 0, lambda_max far "
                    + "out of reach)"));
    private static final String ANY_MODIFIER = MODIFIERS.stream().map(m -> "(?:" + m.pattern().pattern() + ")")
            .collect(Collectors.joining("|"));
    private static final Pattern FOLDER = Pattern.compile("(" + String.join("|", WEIGHTINGS) + ")((?:-(?:"
            + ANY_MODIFIER + ")(?=-))*)-s(\\d+)");
    private static final Pattern NEXT_MODIFIER = Pattern.compile("\\G-(" + ANY_MODIFIER + ")(?=-|$)");

    private GridRuns() {}

    /** The modifier of the grammar that a word is, or null. */
    static Modifier modifier(String word) {
        for (Modifier m : MODIFIERS) if (m.pattern().matcher(word).matches()) return m;
        return null;
    }

    /**
     * What a folder name says: the weighting, its modifiers in the name's order, the seed. The learning-rate factor
     * and alpha are 1 when not varied.
     */
    record Label(String weighting, List<String> modifiers, int seed) {
        Label {
            modifiers = List.copyOf(modifiers);
        }

        /** A label of the first grids: the weighting at a learning-rate factor and an alpha. */
        Label(String weighting, double lrFactor, double alpha, int seed) {
            this(weighting, legacy(lrFactor, alpha), seed);
        }

        private static List<String> legacy(double lrFactor, double alpha) {
            List<String> m = new ArrayList<>();
            if (lrFactor != 1) m.add("lr" + num(lrFactor) + "x");
            if (alpha != 1) m.add("alpha" + num(alpha));
            return m;
        }

        /** The modifiers of a kind. */
        List<String> of(Kind kind) {
            return modifiers.stream().filter(w -> modifier(w).kind() == kind).toList();
        }

        double lrFactor() {
            List<String> lr = of(Kind.LR);
            return lr.isEmpty() ? 1 : Double.parseDouble(lr.get(0).substring(2, lr.get(0).length() - 1));
        }

        double alpha() {
            List<String> a = of(Kind.ALPHA);
            return a.isEmpty() ? 1 : Double.parseDouble(a.get(0).substring(5));
        }

        /** The weighting with its entropy controls, e.g. grpo-top20: what the main tables compare. */
        String method() {
            List<String> c = of(Kind.CONTROL);
            return c.isEmpty() ? weighting : weighting + "-" + String.join("-", c);
        }

        /** The modifiers that make this run a variant of its method (lr, alpha, reconstruction), "" for none. */
        String variant() {
            return modifiers.stream().filter(w -> modifier(w).kind() != Kind.CONTROL)
                    .collect(Collectors.joining("-"));
        }

        /**
         * Whether the run is a reconstruction variant of its method: reconstruction modifiers or a varied alpha, at the
         * setting's learning rate.
         */
        boolean reconstruction() {
            return lrFactor() == 1 && (!of(Kind.RECON).isEmpty() || alpha() != 1);
        }

        boolean mainGrid() {
            return modifiers.stream().allMatch(w -> modifier(w).kind() == Kind.CONTROL);
        }

        /** The folder name again. */
        String name() {
            return weighting + modifiers.stream().map(w -> "-" + w).collect(Collectors.joining()) + "-s" + seed;
        }

        /** The label of a run folder's name, or null for a folder that is not part of a grid. */
        static Label parse(String folder) {
            Matcher m = FOLDER.matcher(folder);
            if (!m.matches()) return null;
            List<String> words = new ArrayList<>();
            Set<Modifier> seen = new HashSet<>();
            Matcher w = NEXT_MODIFIER.matcher(m.group(2));
            int end = 0;
            while (w.find()) {
                words.add(w.group(1));
                end = w.end();
                if (!seen.add(modifier(w.group(1)))) return null;   // each modifier at most once
            }
            if (end != m.group(2).length()) return null;
            try {
                for (String word : words) if (!valid(word)) return null;
                return new Label(m.group(1), words, Integer.parseInt(m.group(3)));
            } catch (NumberFormatException e) {   // digits beyond an int
                return null;
            }
        }

        /**
         * A modifier's value must differ from the default, or the variant would pass for the main-grid run of the same
         * seed: lr and alpha factors > 0 and != 1, h0mean k >= 2, ema b in (0, 1), bounds lo <= hi, top q in 1..99.
         */
        private static boolean valid(String word) {
            Modifier mod = modifier(word);
            return switch (mod.kind()) {
                case LR -> positiveNotOne(word.substring(2, word.length() - 1));
                case ALPHA -> positiveNotOne(word.substring(5));
                case CONTROL -> !word.startsWith("top") || inRange(Integer.parseInt(word.substring(3)), 1, 99);
                case RECON -> {
                    if (word.startsWith("h0mean")) yield Integer.parseInt(word.substring(6)) >= 2;
                    if (word.startsWith("ema")) {
                        double b = Double.parseDouble(word.substring(3));
                        yield b > 0 && b < 1;
                    }
                    if (word.startsWith("bounds") && !word.equals("nobounds")) {
                        String[] lohi = word.substring(6).split("-");
                        yield Double.parseDouble(lohi[0]) <= Double.parseDouble(lohi[1]);
                    }
                    yield true;
                }
            };
        }

        private static boolean positiveNotOne(String v) {
            double d = Double.parseDouble(v);
            return d > 0 && d != 1;
        }

        private static boolean inRange(int v, int lo, int hi) {
            return v >= lo && v <= hi;
        }
    }

    /**
     * The report's order of labels: the main grid first, then by weighting (eapo, grpo, w-reinforce, psr, nsr), by the
     * method's controls (in the order of {@link #MODIFIERS}), by the variant (learning-rate factor, alpha, the rest by
     * name), by seed.
     */
    static final Comparator<Label> ORDER = Comparator.comparing((Label l) -> !l.mainGrid())
            .thenComparing(GridRuns::methodOrder)
            .thenComparing(Label::lrFactor).thenComparing(Label::alpha).thenComparing(Label::variant)
            .thenComparing(Label::seed);

    /** The order of methods: by weighting, then by their controls' places in {@link #MODIFIERS}, then by name. */
    static int methodOrder(Label a, Label b) {
        int c = Integer.compare(WEIGHTINGS.indexOf(a.weighting()), WEIGHTINGS.indexOf(b.weighting()));
        if (c != 0) return c;
        List<String> x = a.of(Kind.CONTROL), y = b.of(Kind.CONTROL);
        for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
            c = Integer.compare(MODIFIERS.indexOf(modifier(x.get(i))), MODIFIERS.indexOf(modifier(y.get(i))));
            if (c != 0) return c;
        }
        c = Integer.compare(x.size(), y.size());
        return c != 0 ? c : a.method().compareTo(b.method());
    }

    /** Per-step curves of one run: held-out reward (by RL step), smoothed rollout reward, H_t / H_0. */
    record Curves(TreeMap<Integer, Double> heldout, TreeMap<Integer, Double> rollout, TreeMap<Integer, Double> entropy) {}

    /**
     * The figures of one run. start is the first evaluation, the others the last one; elements is the share of a
     * prompt's required elements covered by its G completions (NaN when the run has none); minEntropyRatio and
     * finalEntropyRatio are the smallest and the last H_t / H_0; collapseStep is the first RL step with
     * H_t < {@value #COLLAPSE} H_0, or -1; config is the run's config.json (empty without one).
     */
    record Run(Label label, double startReward, double finalReward, double finalBest, double distinct1,
               double distinct2, double selfBleu, double elements, double worstDrop, double minEntropyRatio,
               double finalEntropyRatio, int collapseStep, Curves curves, Map<String, Object> config) {
        double gain() {
            return finalReward - startReward;
        }

        boolean collapsed() {
            return collapseStep >= 0;
        }

        Run withConfig(Map<String, Object> c) {
            return new Run(label, startReward, finalReward, finalBest, distinct1, distinct2, selfBleu, elements,
                    worstDrop, minEntropyRatio, finalEntropyRatio, collapseStep, curves, c);
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
                if (r != null) out.add(r.withConfig(config(d)));
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

    /** The run's config.json as a map (snake_case settings), empty without a readable one. */
    static Map<String, Object> config(Path runDir) {
        Path f = runDir.resolve("config.json");
        if (!Files.isRegularFile(f)) return Map.of();
        try {
            Map<String, Object> m = new ObjectMapper().readValue(f.toFile(),
                    new TypeReference<Map<String, Object>>() {});
            return m == null ? Map.of() : m;
        } catch (IOException e) {
            return Map.of();   // a run without readable settings still has its figures
        }
    }

    /** The figures of one run from its metrics.jsonl rows; null when it has no evaluation. */
    static Run run(Label label, List<Map<String, Object>> rows, double finalEvalElements) {
        TreeMap<Integer, Double> heldout = new TreeMap<>(), rollout = new TreeMap<>(), entropy = new TreeMap<>();
        Map<String, Object> first = null, last = null;
        List<Double> reward = new ArrayList<>();
        List<Integer> steps = new ArrayList<>();
        double h0 = Double.NaN, minRatio = Double.NaN, lastRatio = Double.NaN;
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
                lastRatio = ratio;
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
                lastRatio, collapseStep, new Curves(heldout, rollout, entropy), Map.of());
    }

    private static String num(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
