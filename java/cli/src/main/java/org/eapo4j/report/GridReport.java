package org.eapo4j.report;

import static org.eapo4j.report.GridStats.ci;
import static org.eapo4j.report.GridStats.fmt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.eapo4j.report.GridRuns.Run;
import org.eapo4j.train.AtomicFiles;

/**
 * The markdown report of the EAPO experiment over one or more settings (each a folder of runs, see {@link GridRuns}):
 * per setting the methods of the main grid (a weighting, alone or with entropy controls: held-out reward from start to
 * end of training, best-of-G, diversity, stability and entropy), the settings each method ran with (from its runs'
 * config.json), EAPO against each other method paired by seed (paired t-test and exact sign-flip test on the final
 * reward, distinct-2, the worst drop and the entropy kept), the learning-rate and alpha sensitivity
 * ({@link GridSensitivity}), EAPO's reconstruction choices against its default ({@link GridRecon}), a per-run
 * stability list and plots ({@link GridPlots}) in {@code <report basename>/<label>/}. Its first lines name the command
 * that regenerates it.
 */
public final class GridReport {
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    static final String DEFAULT_START = "the first evaluation of each run, before any RL step";

    /** One setting: its label (section title, plot folder), its runs folder, and what the "start" evaluation is. */
    public record Setting(String label, Path dir, String start) {}

    private GridReport() {}

    /** {@code [LABEL=]DIR}; without a label, the folder's name is the label. */
    public static Setting parseRuns(String value) {
        int eq = value.indexOf('=');
        String label = eq > 0 ? value.substring(0, eq) : null;
        if (label == null || !LABEL.matcher(label).matches()) {
            Path dir = Path.of(value);
            Path name = dir.toAbsolutePath().normalize().getFileName();
            label = name == null ? "runs" : name.toString();
            if (!LABEL.matcher(label).matches())
                throw new IllegalArgumentException("--runs: cannot make a label of '" + value + "' (use LABEL=DIR)");
            return new Setting(label, dir, DEFAULT_START);
        }
        if (eq == value.length() - 1) throw new IllegalArgumentException("--runs: no folder after '" + label + "='");
        return new Setting(label, Path.of(value.substring(eq + 1)), DEFAULT_START);
    }

    /** The settings of the {@code --runs} values, with the {@code --start LABEL=TEXT} descriptions applied. */
    public static List<Setting> settings(List<String> runs, List<String> starts) {
        if (runs.isEmpty()) throw new IllegalArgumentException("--runs: give at least one folder of runs");
        Map<String, Setting> byLabel = new LinkedHashMap<>();
        for (String r : runs) {
            Setting s = parseRuns(r);
            if (byLabel.put(s.label(), s) != null)
                throw new IllegalArgumentException("--runs: label '" + s.label() + "' given twice");
        }
        for (String st : starts) {
            int eq = st.indexOf('=');
            String label = eq > 0 ? st.substring(0, eq) : "";
            Setting s = byLabel.get(label);
            String text = s != null ? st.substring(eq + 1) : st;
            if (s == null && byLabel.size() == 1) s = byLabel.values().iterator().next();
            if (s == null) throw new IllegalArgumentException("--start: '" + st + "' names no --runs label (labels: "
                    + String.join(", ", byLabel.keySet()) + ")");
            if (text.isBlank()) throw new IllegalArgumentException("--start: empty description for " + s.label());
            byLabel.put(s.label(), new Setting(s.label(), s.dir(), text.strip()));
        }
        return List.copyOf(byLabel.values());
    }

    /** The command line that regenerates the report, shell-quoted. */
    public static String command(List<String> runs, List<String> starts, Path out, String title, Path notes) {
        List<String> a = new ArrayList<>(List.of("./eapo4j", "report"));
        for (String r : runs) a.addAll(List.of("--runs", r));
        for (String s : starts) a.addAll(List.of("--start", s));
        a.addAll(List.of("--out", out.toString()));
        if (title != null) a.addAll(List.of("--title", title));
        if (notes != null) a.addAll(List.of("--notes", notes.toString()));
        return a.stream().map(GridReport::quote).collect(Collectors.joining(" "));
    }

    private static String quote(String s) {
        return s.matches("[A-Za-z0-9_./=:,+@%-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    /** Reads every setting, checks the inputs, then writes the report and its plots. */
    public static void write(List<Setting> settings, Path out, String title, Path notes, String command) {
        String file = out.getFileName() == null ? "" : out.getFileName().toString();
        if (!file.endsWith(".md") || file.length() == 3)
            throw new IllegalArgumentException("--out: must name a .md file, got " + out);
        if (notes != null && !Files.isRegularFile(notes))
            throw new IllegalArgumentException("--notes: no such file: " + notes);
        List<GridRuns.Setting> data = new ArrayList<>();
        for (Setting s : settings) {
            if (!Files.isDirectory(s.dir())) throw new IllegalArgumentException("--runs: no such folder: " + s.dir());
            GridRuns.Setting d = GridRuns.read(s.dir());
            if (d.runs().isEmpty())
                throw new IllegalArgumentException("--runs: no finished <weighting>-s<seed> runs in " + s.dir());
            data.add(d);
        }
        try {
            Path parent = out.toAbsolutePath().getParent();
            Path plots = parent.resolve(file.substring(0, file.length() - 3));
            StringBuilder md = new StringBuilder(header(title, command, settings));
            for (int i = 0; i < settings.size(); i++) {
                Path dir = plots.resolve(settings.get(i).label());
                Files.createDirectories(dir);
                md.append(section(settings.get(i), data.get(i), parent.relativize(dir).toString().replace('\\', '/'),
                        dir));
            }
            if (notes != null) md.append('\n').append(Files.readString(notes, StandardCharsets.UTF_8));
            Files.writeString(out, md, StandardCharsets.UTF_8);
            System.out.println("wrote " + out + " and plots in " + plots);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + AtomicFiles.reason(e), e);
        }
    }

    static String header(String title, String command, List<Setting> settings) {
        return "# " + title + "\n\nRegenerate with `" + command + "`.\n\n"
                + "Settings: " + settings.stream().map(s -> "[" + s.label() + "](#" + s.label().toLowerCase(Locale.ROOT)
                        .replace(".", "") + ")").collect(Collectors.joining(", ")) + ". "
                + "Means over seeds with 95% t-intervals (mean ± half-width). *start* is the first evaluation of a run "
                + "(each setting says what it is), *final* the last one (end of training), *gain* = final - start per "
                + "run. *Worst drop*: the largest fall of the " + GridStats.SMOOTH + "-step moving average of the "
                + "rollout reward below its running peak. H_0 is the entropy of the first RL step; a run's entropy "
                + "*collapsed* when H_t < " + GridRuns.COLLAPSE + " H_0 at some step (*first collapse step*: the "
                + "first such RL step of each collapsed run). *Elements covered*: the share "
                + "of a prompt's required elements that at least one of its G completions brings in. A *method* is a "
                + "weighting alone (`grpo`, `eapo`, ...) or with entropy controls (`grpo-top20`, ...), named as its "
                + "run folders `<method>-s<seed>` are.\n";
    }

    /** One setting's section; plots are written to {@code plotDir}, linked as {@code plotLink}. */
    static String section(Setting s, GridRuns.Setting data, String plotLink, Path plotDir) {
        Map<String, List<Run>> main = byMethod(data.runs().stream().filter(r -> r.label().mainGrid()).toList());
        long variants = data.runs().stream().filter(r -> !r.label().mainGrid()).count();
        StringBuilder sb = new StringBuilder("\n## ").append(s.label()).append("\n\n");
        sb.append("Runs in `").append(s.dir()).append("`: ")
                .append(main.entrySet().stream().map(e -> e.getKey() + " " + e.getValue().size())
                        .collect(Collectors.joining(", ")))
                .append(" main-grid runs, ").append(variants)
                .append(" learning-rate, alpha or reconstruction runs");
        if (data.unfinished() > 0) sb.append("; ").append(data.unfinished()).append(" unfinished runs left out");
        sb.append(". Start: ").append(s.start()).append(".\n");
        sb.append(settingsTable(main));
        sb.append(mainTables(main));
        sb.append(pairedTable(main));
        GridSensitivity.Result sens = GridSensitivity.of(data.runs());
        sb.append(sens.markdown());
        GridRecon.Result recon = GridRecon.of(data.runs());
        sb.append(recon.markdown());
        sb.append(perRun(data.runs()));
        sb.append("\n### Plots\n\n");
        List<String[]> plots = new ArrayList<>();
        plots.add(new String[] {"heldout_reward.png", "held-out reward over training"});
        plots.add(new String[] {"rollout_reward.png", "rollout reward over training"});
        plots.add(new String[] {"entropy.png", "entropy H_t / H_0 over training"});
        plots.add(new String[] {"diversity_vs_reward.png", "distinct-2 against final held-out reward"});
        GridPlots.curves(main, r -> r.curves().heldout(), "held-out reward", "held-out reward", null,
                plotDir.resolve(plots.get(0)[0]));
        GridPlots.curves(main, r -> r.curves().rollout(), "rollout reward, " + GridStats.SMOOTH + "-step moving average",
                "rollout reward", null, plotDir.resolve(plots.get(1)[0]));
        GridPlots.curves(main, r -> r.curves().entropy(), "entropy H_t / H_0", "H_t / H_0", GridRuns.COLLAPSE,
                plotDir.resolve(plots.get(2)[0]));
        GridPlots.scatter(main, plotDir.resolve(plots.get(3)[0]));
        if (!sens.lrFinals().isEmpty()) {
            plots.add(new String[] {"sensitivity_lr.png", "final held-out reward against the learning-rate factor"});
            GridPlots.sensitivity(sens.lrFinals(), plotDir.resolve("sensitivity_lr.png"));
        }
        if (!recon.curves().isEmpty()) {
            plots.add(new String[] {"recon_entropy.png", "EAPO's reconstruction choices: entropy H_t / H_0"});
            plots.add(new String[] {"recon_heldout_reward.png", "EAPO's reconstruction choices: held-out reward"});
            GridPlots.curves(recon.curves(), r -> r.curves().entropy(), "EAPO reconstruction choices: H_t / H_0",
                    "H_t / H_0", GridRuns.COLLAPSE, plotDir.resolve("recon_entropy.png"));
            GridPlots.curves(recon.curves(), r -> r.curves().heldout(), "EAPO reconstruction choices: held-out reward",
                    "held-out reward", null, plotDir.resolve("recon_heldout_reward.png"));
        }
        for (String[] p : plots)
            sb.append("![").append(p[1]).append("](").append(plotLink).append('/').append(p[0]).append(")\n");
        return sb.toString();
    }

    /**
     * The entropy-control and EAPO settings of each method, from its runs' config.json: the learning rate always, then
     * what the method switches on (entropy bonus, top-entropy quantile, Clip-Cov / KL-Cov with their parameters, the
     * adaptive coefficient with its target and steps, EAPO's form, bounds, EMA and H_0 steps). Empty when no run has a
     * config.json (synthetic folders).
     */
    static String settingsTable(Map<String, List<Run>> methods) {
        if (methods.values().stream().flatMap(List::stream).allMatch(r -> r.config().isEmpty())) return "";
        StringBuilder sb = new StringBuilder("\n### Methods and their settings\n\n");
        sb.append("From the runs' config.json (snake_case settings of `./eapo4j train`, docs/TRAINING.md).\n\n");
        sb.append("| method | settings |\n|---|---|\n");
        methods.forEach((m, rs) -> sb.append(row(m, settings(rs))));
        return sb.toString();
    }

    /** The shown settings of a group of runs, with a warning when the runs do not agree on them. */
    static String settings(List<Run> rs) {
        List<String> shown = rs.stream().filter(r -> !r.config().isEmpty()).map(r -> shownSettings(r.config()))
                .distinct().toList();
        if (shown.isEmpty()) return "n/a (no config.json)";
        return shown.size() == 1 ? shown.get(0) : shown.get(0) + " (not the same in every run)";
    }

    static String shownSettings(Map<String, Object> c) {
        List<String> keys = new ArrayList<>(List.of("learning_rate"));
        if (number(c, "entropy_coef") != 0 || Boolean.TRUE.equals(c.get("use_adaptive_entropy")))
            keys.add("entropy_coef");
        if (number(c, "top_entropy_quantile") != 1) keys.add("top_entropy_quantile");
        if ("clip_cov".equals(c.get("loss_mode")))
            keys.addAll(List.of("loss_mode", "clip_cov_ratio", "clip_cov_lb", "clip_cov_ub"));
        if ("kl_cov".equals(c.get("loss_mode"))) keys.addAll(List.of("loss_mode", "kl_cov_ratio", "ppo_kl_coef"));
        if (Boolean.TRUE.equals(c.get("use_adaptive_entropy")))
            keys.addAll(List.of("use_adaptive_entropy", "entropy_target", "entropy_coef_min", "entropy_coef_max",
                    "entropy_coef_delta"));
        if ("eapo".equals(c.get("weighting")))
            keys.addAll(List.of("eapo_alpha", "eapo_form", "lambda_min", "lambda_max", "entropy_ema", "h0_steps"));
        return keys.stream().filter(c::containsKey).map(k -> "`" + k + "` " + c.get(k))
                .collect(Collectors.joining(", "));
    }

    private static double number(Map<String, Object> c, String key) {
        return c.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    static String mainTables(Map<String, List<Run>> main) {
        StringBuilder sb = new StringBuilder("\n### Main grid\n\n");
        sb.append("| method | seeds | held-out reward: start | final | gain | best-of-G |\n|---|---|---|---|---|---|\n");
        main.forEach((w, rs) -> sb.append(row(w, String.valueOf(rs.size()), ci(col(rs, Run::startReward)),
                ci(col(rs, Run::finalReward)), ci(col(rs, Run::gain)), ci(col(rs, Run::finalBest)))));
        sb.append("\nDiversity of the G completions of a prompt at the last evaluation:\n\n");
        sb.append("| method | distinct-1 | distinct-2 | self-BLEU | elements covered |\n|---|---|---|---|---|\n");
        main.forEach((w, rs) -> sb.append(row(w, ci(col(rs, Run::distinct1)), ci(col(rs, Run::distinct2)),
                ci(col(rs, Run::selfBleu)), elements(rs))));
        sb.append("\nStability and entropy:\n\n");
        sb.append("| method | across-seed std of the final reward | worst drop | min H_t/H_0 | collapsed runs "
                + "| first collapse step | final H_t/H_0 |\n|---|---|---|---|---|---|---|\n");
        main.forEach((w, rs) -> sb.append(row(w, fmt(GridStats.std(col(rs, Run::finalReward))),
                ci(col(rs, Run::worstDrop)), ci(col(rs, Run::minEntropyRatio)), collapsed(rs), collapseSteps(rs),
                ci(col(rs, Run::finalEntropyRatio)))));
        return sb.toString();
    }

    /** "k of n" collapsed runs. */
    static String collapsed(List<Run> rs) {
        return rs.stream().filter(Run::collapsed).count() + " of " + rs.size();
    }

    /** The first collapse steps of the collapsed runs in seed order ("step (s<seed>)"), "-" for none. */
    static String collapseSteps(List<Run> rs) {
        String s = rs.stream().filter(Run::collapsed).sorted(Comparator.comparingInt((Run r) -> r.label().seed()))
                .map(r -> r.collapseStep() + " (s" + r.label().seed() + ")").collect(Collectors.joining(", "));
        return s.isEmpty() ? "-" : s;
    }

    /** Elements covered over the runs that have the figure, saying how many when not all do. */
    private static String elements(List<Run> rs) {
        double[] e = col(rs, Run::elements);
        long have = java.util.Arrays.stream(e).filter(Double::isFinite).count();
        return have == rs.size() || have == 0 ? ci(e) : ci(e) + " (" + have + " of " + rs.size() + " runs)";
    }

    static String pairedTable(Map<String, List<Run>> main) {
        List<Run> eapo = main.get("eapo");
        if (eapo == null || main.size() < 2) return "";
        StringBuilder sb = new StringBuilder("\n### EAPO against each other method (paired by seed)\n\n");
        int n = main.entrySet().stream().filter(e -> !e.getKey().equals("eapo"))
                .mapToInt(e -> differences(eapo, e.getValue(), Run::finalReward).length).max().orElse(0);
        sb.append("EAPO minus the other method, run against run with the same seed (same seed = same start). ");
        if (n < 2) return sb.append(NO_PAIRS).toString();
        sb.append(pairedLegend(n)).append("\n\n");
        sb.append(PAIRED_HEADER.replace("| vs |", "| EAPO vs |"));
        for (Measure m : MEASURES)
            main.forEach((w, rs) -> {
                if (!w.equals("eapo")) pairedRow(sb, m.name(), w, differences(eapo, rs, m.value()));
            });
        return sb.toString();
    }

    /** A measure of the paired comparisons: its name (with which direction is better) and its value per run. */
    record Measure(String name, ToDoubleFunction<Run> value) {}

    static final List<Measure> MEASURES = List.of(
            new Measure("final held-out reward (higher is better)", Run::finalReward),
            new Measure("distinct-2 (higher = more diverse)", Run::distinct2),
            new Measure("worst drop (lower = more stable)", Run::worstDrop),
            new Measure("final H_t/H_0 (higher = more entropy kept)", Run::finalEntropyRatio),
            new Measure("min H_t/H_0 (higher = less collapse)", Run::minEntropyRatio));

    static final String NO_PAIRS = "Fewer than 2 seeds in common: no paired tests.\n";

    static final String PAIRED_HEADER = "| measure | vs | pairs | mean difference | 95% interval | t | p (t) "
            + "| p (sign-flip) |\n|---|---|---|---|---|---|---|---|\n";

    /** What the paired columns mean, with the floor of the sign-flip p for n pairs. */
    static String pairedLegend(int n) {
        return "*p (t)*: two-sided paired t-test. *p (sign-flip)*: exact two-sided permutation test over all 2^n "
                + "sign patterns of the n differences (no normality assumed). Its smallest possible value is 2 / 2^n = "
                + new BigDecimal(2 / Math.pow(2, n)).round(new MathContext(4)).stripTrailingZeros().toPlainString()
                + " for " + n + " pairs: however large the effect, it cannot be smaller.";
    }

    /** One row of a paired table; nothing below two pairs. */
    static void pairedRow(StringBuilder sb, String measure, String against, double[] d) {
        if (d.length < 2) return;
        GridStats.Paired p = GridStats.paired(d);
        sb.append(row(measure, against, String.valueOf(p.n()), String.format(Locale.ROOT, "%+.3f", p.mean()),
                String.format(Locale.ROOT, "[%+.3f, %+.3f]", p.lo(), p.hi()),
                Double.isNaN(p.t()) ? "-" : String.format(Locale.ROOT, "%.2f", p.t()),
                Double.isNaN(p.pT()) ? "-" : fmt(p.pT()), String.format(Locale.ROOT, "%.4f", p.pSignFlip())));
    }

    /** a - b of the runs with the same seed, in a's order. */
    static double[] differences(List<Run> a, List<Run> b, ToDoubleFunction<Run> f) {
        List<Double> d = new ArrayList<>();
        for (Run x : a)
            for (Run y : b) if (x.label().seed() == y.label().seed()) d.add(f.applyAsDouble(x) - f.applyAsDouble(y));
        return d.stream().mapToDouble(Double::doubleValue).filter(Double::isFinite).toArray();
    }

    static String perRun(List<Run> runs) {
        StringBuilder sb = new StringBuilder("\n<details><summary>Per-run stability (").append(runs.size())
                .append(" runs)</summary>\n\n| run | seed | final reward | worst drop | min H_t/H_0 "
                        + "| first RL step with H_t < ")
                .append(GridRuns.COLLAPSE).append(" H_0 | final H_t/H_0 |\n|---|---|---|---|---|---|---|\n");
        List<Run> sorted = new ArrayList<>(runs);   // the main grid first, then by method, variant, seed
        sorted.sort(Comparator.comparing(Run::label, GridRuns.ORDER));
        for (Run r : sorted)
            sb.append(row(r.label().name(), String.valueOf(r.label().seed()), fmt(r.finalReward()), fmt(r.worstDrop()),
                    fmt(r.minEntropyRatio()), r.collapsed() ? String.valueOf(r.collapseStep()) : "-",
                    fmt(r.finalEntropyRatio())));
        return sb.append("\n</details>\n").toString();
    }

    /** The runs by method (weighting and controls), in {@link GridRuns#ORDER}: eapo, eapo-..., grpo, grpo-..., ... */
    static Map<String, List<Run>> byMethod(List<Run> runs) {
        List<Run> sorted = new ArrayList<>(runs);
        sorted.sort(Comparator.comparing(Run::label, GridRuns::methodOrder));
        Map<String, List<Run>> m = new LinkedHashMap<>();
        for (Run r : sorted) m.computeIfAbsent(r.label().method(), k -> new ArrayList<>()).add(r);
        return m;
    }

    static double[] col(List<Run> rs, ToDoubleFunction<Run> f) {
        return rs.stream().mapToDouble(f).toArray();
    }

    static String row(String... cells) {
        return "| " + String.join(" | ", cells) + " |\n";
    }
}
