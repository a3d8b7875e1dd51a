package org.eapo4j.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.eapo4j.report.GridRuns.Label;
import org.eapo4j.report.GridRuns.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The grid report's statistics against published table values and hand-computed cases, on synthetic run folders. */
class GridReportTest {
    @TempDir Path tmp;

    @Test
    void studentTMatchesTheTables() {
        // two-sided 95% critical values: df 2 -> 4.303, df 4 -> 2.776, df 30 -> 2.042
        assertEquals(4.303, GridStats.tQuantile975(2), 1e-3);
        assertEquals(2.776, GridStats.tQuantile975(4), 1e-3);
        assertEquals(2.042, GridStats.tQuantile975(30), 1e-3);
        // ... so those t values have two-sided p = 0.05
        assertEquals(0.05, GridStats.twoSidedP(2.776, 4), 1e-4);
        assertEquals(0.05, GridStats.twoSidedP(-2.776, 4), 1e-4);
        assertEquals(0.05, GridStats.twoSidedP(12.706, 1), 1e-4);
        assertEquals(0.05, GridStats.twoSidedP(2.571, 5), 1e-4);
        assertEquals(0.01, GridStats.twoSidedP(4.604, 4), 1e-4);   // the 99% table value
        // df = 2 has a closed form: F(t) = 1/2 + t / (2 sqrt(2 + t^2)); df = 1 (Cauchy): 1/2 + atan(t) / pi
        for (double t : new double[] {0.3, 1.0, 2.5, 7.0, 1e6}) {
            assertEquals(0.5 + t / (2 * Math.sqrt(2 + t * t)), GridStats.tCdf(t, 2), 1e-12);
            assertEquals(0.5 + Math.atan(t) / Math.PI, GridStats.tCdf(t, 1), 1e-12);
        }
    }

    @Test
    void signFlipEnumeratesEverySignPattern() {
        // 5 differences of one sign: only the observed pattern and its mirror reach |sum|, p = 2/32
        assertEquals(0.0625, GridStats.signFlipP(new double[] {0.1, 0.2, 0.3, 0.4, 0.5}), 1e-15);
        assertEquals(0.25, GridStats.signFlipP(new double[] {0.1, 0.3, 0.2}), 1e-15);
        // {1, 2, -0.5}: sum 2.5; the 8 signed sums are +-3.5, +-2.5, +-1.5, +-0.5: 4 of 8 reach 2.5
        assertEquals(0.5, GridStats.signFlipP(new double[] {1, 2, -0.5}), 1e-15);
        assertEquals(1.0, GridStats.signFlipP(new double[] {0, 0, 0}), 1e-15);
    }

    @Test
    void pairedTestOfTheDifferences() {
        // 0.1 .. 0.5: mean 0.3, sd sqrt(0.025) = 0.1581, t = 0.3 / (0.1581 / sqrt 5) = 4.243;
        // df 4: theta = atan(t / 2), p = 1 - sin(theta) (1 + cos^2(theta) / 2) = 0.0132
        GridStats.Paired p = GridStats.paired(new double[] {0.1, 0.2, 0.3, 0.4, 0.5});
        assertEquals(5, p.n());
        assertEquals(0.3, p.mean(), 1e-12);
        assertEquals(4.2426, p.t(), 1e-4);
        assertEquals(0.0132, p.pT(), 1e-4);
        assertEquals(0.0625, p.pSignFlip(), 1e-15);
        assertEquals(0.3 - 2.776 * Math.sqrt(0.025) / Math.sqrt(5), p.lo(), 1e-3);
    }

    @Test
    void worstDropIsTheLargestFallOfTheMovingAverageBelowItsPeak() {
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < 20; i++) r.add(1.0);   // smoothed 1.0
        for (int i = 0; i < 10; i++) r.add(0.0);   // smoothed falls to 0.0
        for (int i = 0; i < 10; i++) r.add(0.5);
        assertEquals(1.0, GridStats.worstDrop(r), 1e-12);
        assertEquals(0.0, GridStats.worstDrop(List.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1)), 1e-12);
    }

    @Test
    void folderNamesGiveWeightingLearningRateAlphaAndSeed() {
        assertEquals(new Label("eapo", 1, 1, 1), Label.parse("eapo-s1"));
        assertEquals(new Label("w-reinforce", 1, 1, 12), Label.parse("w-reinforce-s12"));
        assertEquals(new Label("grpo", 0.5, 1, 3), Label.parse("grpo-lr0.5x-s3"));
        assertEquals(new Label("w-reinforce", 2, 1, 2), Label.parse("w-reinforce-lr2x-s2"));
        assertEquals(new Label("eapo", 1, 0.5, 1), Label.parse("eapo-alpha0.5-s1"));
        assertEquals(new Label("eapo", 1, 2, 3), Label.parse("eapo-alpha2-s3"));
        for (String ignored : new String[] {"warmup-s1", "eapo-s1.log", "foo-s1", "eapo-lr0x-s1", "eapo-lrx-s1",
                "eapo-s", "eapo", "eapo-lr2-s1", "eapo-alpha2x-s1", "eapo-lr1x-s1", "eapo-alpha1.0-s2", "grpo-s1-s2"})
            assertNull(Label.parse(ignored), ignored);
        for (String name : new String[] {"eapo-s1", "grpo-lr0.5x-s3", "eapo-alpha2-s3", "nsr-lr2x-s1"})
            assertEquals(name, Label.parse(name).name());
        assertTrue(Label.parse("eapo-s4").mainGrid());
        assertTrue(!Label.parse("eapo-alpha2-s3").mainGrid());
    }

    @Test
    void controlAndReconstructionLabelsShareTheGrammar() {
        Label top = Label.parse("grpo-top20-s3");
        assertEquals(new Label("grpo", List.of("top20"), 3), top);
        assertEquals("grpo-top20", top.method());
        assertTrue(top.mainGrid() && !top.reconstruction());
        for (String c : new String[] {"entbonus", "top20", "clipcov", "klcov", "adaent"}) {
            Label l = Label.parse("grpo-" + c + "-s1");
            assertEquals("grpo-" + c, l.method(), c);
            assertTrue(l.mainGrid(), c);
        }
        assertEquals("eapo-top20", Label.parse("eapo-top20-s5").method());
        for (String r : new String[] {"linear", "h0mean5", "ema0.9", "bounds0.5-2", "nobounds"}) {
            Label l = Label.parse("eapo-" + r + "-s2");
            assertEquals("eapo", l.method(), r);
            assertEquals(r, l.variant(), r);
            assertTrue(!l.mainGrid() && l.reconstruction(), r);
            assertEquals(1.0, l.lrFactor(), 0);
            assertEquals(1.0, l.alpha(), 0);
        }
        assertTrue(Label.parse("eapo-alpha2-s1").reconstruction());   // alpha is a reconstruction choice too
        assertTrue(!Label.parse("eapo-lr2x-s1").reconstruction());
        // combinations: a control with a learning-rate factor, two reconstruction choices
        Label combo = Label.parse("grpo-top20-lr2x-s1");
        assertEquals("grpo-top20", combo.method());
        assertEquals(2.0, combo.lrFactor(), 0);
        assertEquals("lr2x", combo.variant());
        assertEquals("linear-ema0.9", Label.parse("eapo-linear-ema0.9-s4").variant());
        for (String name : new String[] {"grpo-top20-s3", "eapo-bounds0.5-2-s3", "eapo-linear-ema0.9-s4",
                "grpo-klcov-lr0.5x-s2"})
            assertEquals(name, Label.parse(name).name());
        // a value at its default would pass for the default run; unknown words and repeats are not grid runs
        for (String ignored : new String[] {"eapo-ema0-s1", "eapo-ema1-s1", "eapo-h0mean1-s1", "eapo-bounds2-0.5-s1",
                "eapo-bounds0.5-s1", "grpo-top0-s1", "grpo-top100-s1", "eapo-linear-linear-s1", "grpo-top20-top10-s1",
                "eapo-foo-s1", "grpo-top20x-s1", "grpo-clipcov-s", "grpo-top99999999999-s1", "warmup-s2",
                "grpo-s99999999999"})
            assertNull(Label.parse(ignored), ignored);
    }

    @Test
    void theControlsGridReport() throws IOException {
        Path d = tmp.resolve("runs/stories-controls");
        writeControlsGrid(d);
        GridRuns.Setting read = GridRuns.read(d);
        assertEquals(8 * 5 + 5 * 3, read.runs().size());
        Run grpo1 = read.runs().stream().filter(r -> r.label().name().equals("grpo-s1")).findFirst().orElseThrow();
        assertEquals(0.4, grpo1.finalEntropyRatio(), 1e-12);
        assertEquals(3, grpo1.collapseStep());
        assertEquals("grpo", grpo1.config().get("weighting"));
        Map<String, List<Run>> main = GridReport.byMethod(read.runs().stream().filter(r -> r.label().mainGrid())
                .toList());
        assertEquals(List.of("eapo", "eapo-top20", "grpo", "grpo-entbonus", "grpo-top20", "grpo-clipcov",
                "grpo-klcov", "grpo-adaent"), List.copyOf(main.keySet()));
        Path out = tmp.resolve("docs/RESULTS.md");
        List<GridReport.Setting> settings = GridReport.settings(List.of("controls=" + d), List.of());
        GridReport.write(settings, out, "Controls", null, "cmd");
        String md = Files.readString(out, StandardCharsets.UTF_8);
        // the settings of each method, from config.json
        assertTrue(md.contains("| grpo | `learning_rate` 5.0E-4 |"), md);
        assertTrue(md.contains("| grpo-entbonus | `learning_rate` 5.0E-4, `entropy_coef` 0.001 |"), md);
        assertTrue(md.contains("| grpo-clipcov | `learning_rate` 5.0E-4, `loss_mode` clip_cov, `clip_cov_ratio` 2.0E-4, "
                + "`clip_cov_lb` 1.0, `clip_cov_ub` 5.0 |"), md);
        assertTrue(md.contains("| grpo-adaent | `learning_rate` 5.0E-4, `entropy_coef` 0.0, `use_adaptive_entropy` true, "
                + "`entropy_target` 1.0, "), md);
        assertTrue(md.contains("| eapo-top20 | `learning_rate` 5.0E-4, `top_entropy_quantile` 0.2, `eapo_alpha` 1.0, "
                + "`eapo_form` power, `lambda_min` 0.05, `lambda_max` 4.0, `entropy_ema` 0.0, `h0_steps` 1 |"), md);
        // stability and entropy: GRPO-like methods collapse at RL step 3 (H_t/H_0 0.45), end at 0.4; EAPO does not
        assertTrue(md.contains("| grpo | 0.016 | 0.000 ± 0.000 | 0.400 ± 0.000 | 5 of 5 | 3 (s1), 3 (s2), 3 (s3), "
                + "3 (s4), 3 (s5) | 0.400 ± 0.000 |"), md);
        assertTrue(md.contains("| eapo | 0.016 | 0.000 ± 0.000 | 0.750 ± 0.000 | 0 of 5 | - | 0.750 ± 0.000 |"), md);
        // EAPO against each method: EAPO - KL-Cov = 0.1 .. 0.5 (see pairedTestOfTheDifferences); EAPO - GRPO's entropy
        assertTrue(md.contains("### EAPO against each other method (paired by seed)"), md);
        assertTrue(md.contains("| final held-out reward (higher is better) | grpo-klcov | 5 | +0.300 | "), md);
        assertTrue(md.contains("| 4.24 | 0.013 | 0.0625 |"), md);
        assertTrue(md.contains("| final H_t/H_0 (higher = more entropy kept) | grpo | 5 | +0.350 | "), md);
        assertTrue(md.contains("| final held-out reward (higher is better) | eapo-top20 | 5 | "), md);
        // the reconstruction: the default is EAPO's main runs of seeds 1..3; eapo-linear - default = 0.1, 0.2, 0.3:
        // mean 0.2, t = 0.2 / (0.1 / sqrt 3) = 3.46, df 2: p = 1 - t / sqrt(2 + t^2) = 0.074; sign-flip 2/8
        assertTrue(md.contains("### EAPO's reconstruction choices"), md);
        assertTrue(md.contains("| eapo (default) | - | 3 | 0.320 ± "), md);
        assertTrue(md.contains("| eapo-linear | `linear`: clipped linear form"), md);
        assertTrue(md.contains("| final held-out reward (higher is better) | eapo-linear | 3 | +0.200 | "), md);
        assertTrue(md.contains("| 3.46 | 0.074 | 0.2500 |"), md);
        assertTrue(md.contains("0.25 for 3 pairs"), md);
        assertTrue(md.contains("| final H_t/H_0 (higher = more entropy kept) | eapo-ema0.9 | 3 | +0.200 | "), md);
        assertTrue(md.contains("| eapo-bounds0.5-2 | `bounds0.5-2`: lambda_pos clamped to [lo, hi]"), md);
        for (String r : new String[] {"linear", "h0mean5", "ema0.9", "bounds0.5-2", "nobounds"})
            assertTrue(md.contains("| eapo-" + r + " | 3 | "), r);   // one effect row per choice and measure
        // per-run list: the main grid by method, then the variants; the new column
        int e = md.indexOf("| eapo-s5 |"), et = md.indexOf("| eapo-top20-s1 |"), g = md.indexOf("| grpo-s1 |"),
                ga = md.indexOf("| grpo-adaent-s5 |"), lin = md.indexOf("| eapo-linear-s1 |");
        assertTrue(0 < e && e < et && et < g && g < ga && ga < lin, md);
        assertTrue(md.contains("| grpo-s1 | 1 | 0.310 | 0.000 | 0.400 | 3 | 0.400 |"), md);
        for (String png : new String[] {"heldout_reward", "entropy", "diversity_vs_reward", "recon_entropy",
                "recon_heldout_reward"}) {
            assertTrue(Files.size(tmp.resolve("docs/RESULTS/controls/" + png + ".png")) > 1000, png);
            assertTrue(md.contains("](RESULTS/controls/" + png + ".png)"), png);
        }
        assertTrue(!md.contains("No reconstruction runs"), md);
        // the choices in the grammar's order: the form, H_0, the EMA, the bounds
        int[] at = java.util.stream.Stream.of("linear", "h0mean5", "ema0.9", "bounds0.5-2", "nobounds")
                .mapToInt(r -> md.indexOf("| eapo-" + r + " | `")).toArray();
        for (int i = 0; i < at.length; i++) assertTrue(at[i] > 0 && (i == 0 || at[i - 1] < at[i]), md);
        // one seed in common: no paired tests, said so
        Map<String, List<Run>> one = GridReport.byMethod(read.runs().stream()
                .filter(r -> r.label().mainGrid() && r.label().seed() == 1).toList());
        assertTrue(GridReport.pairedTable(one).endsWith(GridReport.NO_PAIRS), GridReport.pairedTable(one));
    }

    @Test
    void theMedqaControlsSettingBesideTheOldGrids() throws IOException {
        Path old = tmp.resolve("runs/stories-grid"), medqa = tmp.resolve("runs/medqa-controls");
        writeSensitivityGrid(old);
        writeRun(medqa, "warmup-s1", 0, 0, 0.5, new double[] {1}, null, Double.NaN);
        for (int s = 1; s <= 3; s++) {
            writeRun(medqa, "grpo-s" + s, 0.1, 0.2, 0.5, new double[] {1, 0.9}, 0.4, Double.NaN);
            writeRun(medqa, "eapo-s" + s, 0.1, 0.2 + s / 10.0, 0.5, new double[] {1, 0.9}, 0.4, Double.NaN);
            writeRun(medqa, "grpo-top20-s" + s, 0.1, 0.25, 0.5, new double[] {1, 0.95}, 0.4, Double.NaN);
        }
        Path out = tmp.resolve("docs/RESULTS.md");
        GridReport.write(GridReport.settings(List.of("stories=" + old, "medqa-controls=" + medqa), List.of()), out,
                "Both", null, "cmd");
        String md = Files.readString(out, StandardCharsets.UTF_8);
        assertTrue(md.contains("Runs in `" + medqa + "`: eapo 3, grpo 3, grpo-top20 3 main-grid runs, 0 "), md);
        assertTrue(md.contains("| final held-out reward (higher is better) | grpo-top20 | 3 | +0.150 | "), md);
        assertTrue(md.contains("No reconstruction runs"), md);   // medqa-controls has none
        // the old grid's alpha runs are reconstruction choices too: alpha 0.5 (0.2) and 2 (0.5) against seeds 1..3
        assertTrue(md.contains("| eapo-alpha0.5 | `alpha0.5`: EAPO's alpha"), md);
        assertTrue(md.contains("| final held-out reward (higher is better) | eapo-alpha2 | 3 | +0.250 | "), md);
        assertTrue(md.indexOf("| eapo-alpha0.5 | `") < md.indexOf("| eapo-alpha2 | `"), md);
        assertTrue(!md.contains("### Methods and their settings"), md);   // no config.json in these folders
        assertTrue(!md.contains("warmup"), md);
    }

    @Test
    void aRunsFiguresFromItsMetrics() throws IOException {
        Path d = tmp.resolve("grid");
        // H_0 = 2.0; 0.9 / 2.0 = 0.45 < 0.5 first at RL step 4; min ratio 0.4 at step 6
        writeRun(d, "eapo-s1", -0.2, 0.3, 0.7, new double[] {2.0, 1.8, 1.2, 0.9, 1.1, 0.8, 1.0}, null, 0.55);
        writeRun(d, "grpo-s1", -0.2, 0.1, 0.6, new double[] {2.0, 1.9, 1.5}, 0.8, 0.55);   // key points win
        writeRun(d, "warmup-s1", -0.2, 0.1, 0.6, new double[] {2.0}, null, Double.NaN);
        writeRun(d, "psr-s2", -0.2, 0.1, 0.6, new double[] {2.0}, null, Double.NaN);
        Files.delete(d.resolve("psr-s2/summary.json"));   // unfinished
        GridRuns.Setting s = GridRuns.read(d);
        assertEquals(1, s.unfinished());
        assertEquals(2, s.runs().size());
        Run eapo = s.runs().get(0), grpo = s.runs().get(1);
        assertEquals("eapo-s1", eapo.label().name());
        assertEquals(-0.2, eapo.startReward(), 1e-12);
        assertEquals(0.3, eapo.finalReward(), 1e-12);
        assertEquals(0.5, eapo.gain(), 1e-12);
        assertEquals(0.7, eapo.distinct2(), 1e-12);
        assertEquals(4, eapo.collapseStep());
        assertEquals(0.4, eapo.minEntropyRatio(), 1e-12);
        assertEquals(0.55, eapo.elements(), 1e-12);   // from final-eval.json
        assertEquals(0.8, grpo.elements(), 1e-12);    // heldout_elements_union_frac of the last eval
        assertEquals(-1, grpo.collapseStep());
        assertEquals(List.of(0, 40, 80), List.copyOf(eapo.curves().heldout().keySet()));   // start at step 0
        assertEquals(0.05, eapo.curves().heldout().get(40), 1e-12);
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), List.copyOf(eapo.curves().entropy().keySet()));
        assertEquals(0.6, eapo.curves().entropy().get(3), 1e-12);
    }

    @Test
    void sensitivityComparesTheVariantsWithTheMainRunsOfTheirSeeds() throws IOException {
        Path d = tmp.resolve("sens");
        writeSensitivityGrid(d);
        List<Run> runs = GridRuns.read(d).runs();
        Map<String, Map<Double, List<Run>>> lr = GridSensitivity.lrGroups(runs);
        assertEquals(List.of("eapo", "grpo"), List.copyOf(lr.keySet()));
        assertEquals(List.of(0.5, 1.0, 2.0), List.copyOf(lr.get("eapo").keySet()));
        assertEquals(3, lr.get("eapo").get(1.0).size());   // seeds 1..3 of the five main-grid runs
        // eapo: lr x0.5 mean 0.10, x1 (seeds 1-3) 0.25, x2 0.35 -> range 0.25; grpo: 0.00, 0.05, 0.10 -> 0.10
        assertEquals(0.25, GridSensitivity.range(lr.get("eapo")), 1e-12);
        assertEquals(0.10, GridSensitivity.range(lr.get("grpo")), 1e-12);
        Map<String, Map<Double, List<Run>>> alpha = GridSensitivity.alphaGroups(runs);
        assertEquals(List.of("eapo"), List.copyOf(alpha.keySet()));
        assertEquals(0.30, GridSensitivity.range(alpha.get("eapo")), 1e-12);   // 0.20, 0.25, 0.50
        String md = GridSensitivity.of(runs).markdown();
        assertTrue(md.contains("| eapo | learning rate | lr ×0.5: 0.100, lr ×1: 0.250, lr ×2: 0.350 | 0.250 |"), md);
        assertTrue(md.contains("| eapo | alpha | alpha 0.5: 0.200, alpha 1: 0.250, alpha 2: 0.500 | 0.300 |"), md);
        assertTrue(md.contains("| eapo | lr ×1 | 3 | 0.250 ± "), md);
    }

    @Test
    void twoSettingsInOneReport() throws IOException {
        Path stories = tmp.resolve("runs/stories-grid"), medqa = tmp.resolve("runs/medqa-grid");
        writeSensitivityGrid(stories);
        writeRun(medqa, "warmup-s1", 0, 0, 0.5, new double[] {1}, null, Double.NaN);
        for (int s = 1; s <= 2; s++) {
            writeRun(medqa, "eapo-s" + s, 0.1, 0.2 + s / 10.0, 0.5, new double[] {1, 1}, 0.6, Double.NaN);
            writeRun(medqa, "grpo-s" + s, 0.1, 0.2, 0.5, new double[] {1, 0.4}, 0.4, Double.NaN);
        }
        Path notes = Files.writeString(tmp.resolve("notes.md"), "## Reading\n\nhand-written\n");
        Path out = tmp.resolve("docs/RESULTS.md");
        List<String> runs = List.of("stories=" + stories, "medqa=" + medqa);
        List<String> starts = List.of("stories=the untrained model", "medqa=after warm-up");
        List<GridReport.Setting> settings = GridReport.settings(runs, starts);
        assertEquals("after warm-up", settings.get(1).start());
        String command = GridReport.command(runs, starts, out, "EAPO results", notes);
        assertEquals("./eapo4j report --runs stories=" + stories + " --runs medqa=" + medqa
                + " --start 'stories=the untrained model' --start 'medqa=after warm-up' --out " + out
                + " --title 'EAPO results' --notes " + notes, command);
        GridReport.write(settings, out, "EAPO results", notes, command);
        String md = Files.readString(out, StandardCharsets.UTF_8);
        assertTrue(md.startsWith("# EAPO results\n\nRegenerate with `" + command + "`."), md);
        assertTrue(md.contains("\n## stories\n") && md.contains("\n## medqa\n"), md);
        assertTrue(md.indexOf("## stories") < md.indexOf("## medqa"), md);
        assertTrue(md.endsWith("## Reading\n\nhand-written\n"), md);
        assertTrue(md.contains("Start: the untrained model.") && md.contains("Start: after warm-up."), md);
        // stories, EAPO - GRPO on the final reward: 0.1 .. 0.5 over seeds 1..5 (see pairedTestOfTheDifferences)
        assertTrue(md.contains("| final held-out reward (higher is better) | grpo | 5 | +0.300 | "), md);
        assertTrue(md.contains("| 4.24 | 0.013 | 0.0625 |"), md);
        assertTrue(md.contains("0.0625 for 5 pairs"), md);
        // elements: EAPO's runs have final-eval.json (0.55), GRPO's none; medqa's come from the key points
        assertTrue(md.contains("| eapo | 0.400 ± 0.000 | 0.700 ± 0.000 | 0.100 ± 0.000 | 0.550 ± 0.000 |"), md);
        assertTrue(md.contains("| grpo | 0.400 ± 0.000 | 0.700 ± 0.000 | 0.100 ± 0.000 | n/a |"), md);
        assertTrue(md.contains("| eapo | 0.400 ± 0.000 | 0.500 ± 0.000 | 0.100 ± 0.000 | 0.600 ± 0.000 |"), md);
        // medqa: GRPO's entropy 1 -> 0.4 collapses at RL step 2 in both runs; the warm-up folder is left out
        assertTrue(md.contains("| grpo-s1 | 1 | 0.200 | 0.000 | 0.400 | 2 |"), md);
        assertTrue(md.contains("| eapo-s2 | 2 | 0.400 | 0.000 | 1.000 | - |"), md);
        assertTrue(md.contains("| grpo | 0.000 | 0.000 ± 0.000 | 0.400 ± 0.000 | 2 of 2 |"), md);
        assertTrue(!md.contains("warmup"), md);
        // per-run list: the main grid first, by weighting and seed, then the variants
        int e5 = md.indexOf("| eapo-s5 |"), g1 = md.indexOf("| grpo-s1 |"), v = md.indexOf("| eapo-lr0.5x-s1 |");
        assertTrue(0 < e5 && e5 < g1 && g1 < v, md);
        assertTrue(md.contains("No learning-rate"), md);   // medqa has no variants
        for (String label : new String[] {"stories", "medqa"})
            for (String png : new String[] {"heldout_reward", "rollout_reward", "entropy", "diversity_vs_reward"}) {
                assertTrue(Files.size(tmp.resolve("docs/RESULTS/" + label + "/" + png + ".png")) > 1000, png);
                assertTrue(md.contains("](RESULTS/" + label + "/" + png + ".png)"), png);
            }
        assertTrue(Files.isRegularFile(tmp.resolve("docs/RESULTS/stories/sensitivity_lr.png")));
        assertTrue(!Files.exists(tmp.resolve("docs/RESULTS/medqa/sensitivity_lr.png")));
    }

    @Test
    void badRunsAndStartValuesNameTheFlag() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Files.createDirectories(empty.resolve("warmup-s1"));
        Path out = tmp.resolve("r.md");
        String missing = assertThrows(IllegalArgumentException.class, () -> GridReport.write(
                GridReport.settings(List.of("a=" + tmp.resolve("nope")), List.of()), out, "t", null, "c")).getMessage();
        assertTrue(missing.startsWith("--runs: no such folder"), missing);
        String none = assertThrows(IllegalArgumentException.class, () -> GridReport.write(
                GridReport.settings(List.of(empty.toString()), List.of()), out, "t", null, "c")).getMessage();
        assertTrue(none.startsWith("--runs: no finished"), none);
        assertTrue(!Files.exists(out));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GridReport.settings(List.of("a=x", "a=y"),
                List.of())).getMessage().contains("label 'a' given twice"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GridReport.settings(List.of("a=x", "b=y"),
                List.of("c=text"))).getMessage().startsWith("--start:"));
        // without a label the folder's name is the label; one setting takes --start without a label
        GridReport.Setting s = GridReport.settings(List.of("runs/stories-grid"), List.of("untrained")).get(0);
        assertEquals(new GridReport.Setting("stories-grid", Path.of("runs/stories-grid"), "untrained"), s);
    }

    /**
     * Main grid eapo and grpo x seeds 1..5 (EAPO - GRPO = 0.1 s), lr x0.5 / x2 for both and alpha 0.5 / 2 for EAPO on
     * seeds 1..3; EAPO's seeds 4 and 5 are far off so that a factor-1 row that kept them would show.
     */
    static void writeSensitivityGrid(Path d) throws IOException {
        double[] eapo = {0.30, 0.20, 0.25, 0.90, 0.90};
        for (int s = 1; s <= 5; s++) {
            writeRun(d, "eapo-s" + s, -0.1, eapo[s - 1], 0.7, new double[] {1, 0.9}, null, 0.55);
            writeRun(d, "grpo-s" + s, -0.1, eapo[s - 1] - 0.1 * s, 0.7, new double[] {1, 0.9}, null, Double.NaN);
        }
        for (int s = 1; s <= 3; s++) {
            writeRun(d, "eapo-lr0.5x-s" + s, -0.1, 0.10, 0.7, new double[] {1}, null, Double.NaN);
            writeRun(d, "eapo-lr2x-s" + s, -0.1, new double[] {0.40, 0.30, 0.35}[s - 1], 0.7, new double[] {1}, null,
                    Double.NaN);
            writeRun(d, "grpo-lr0.5x-s" + s, -0.1, 0.0, 0.7, new double[] {1}, null, Double.NaN);
            writeRun(d, "grpo-lr2x-s" + s, -0.1, 0.1, 0.7, new double[] {1}, null, Double.NaN);
            writeRun(d, "eapo-alpha0.5-s" + s, -0.1, 0.2, 0.7, new double[] {1}, null, Double.NaN);
            writeRun(d, "eapo-alpha2-s" + s, -0.1, 0.5, 0.7, new double[] {1}, null, Double.NaN);
        }
    }

    /**
     * The controls grid of one learning rate: grpo, the five controls, eapo and eapo-top20 x seeds 1..5 (final reward
     * 0.3 + 0.01 s; GRPO-like methods' entropy falls to 0.4 H_0, collapsing at RL step 3; EAPO's to 0.75 H_0;
     * grpo-klcov = EAPO - 0.1 s), and EAPO's five reconstruction choices x seeds 1..3 (eapo-linear = EAPO + 0.1 s;
     * eapo-ema0.9 ends at 0.95 H_0), each with a config.json.
     */
    static void writeControlsGrid(Path d) throws IOException {
        double[] grpoLike = {2.0, 1.5, 0.9, 0.8}, eapoLike = {2.0, 1.8, 1.6, 1.5}, high = {2.0, 1.9, 1.9, 1.9};
        Map<String, String> controls = Map.of("entbonus", "\"entropy_coef\": 0.001",
                "top20", "\"top_entropy_quantile\": 0.2",
                "clipcov", "\"loss_mode\": \"clip_cov\"",
                "klcov", "\"loss_mode\": \"kl_cov\", \"kl_cov_ratio\": 0.002, \"ppo_kl_coef\": 1.0",
                "adaent", "\"use_adaptive_entropy\": true, \"entropy_target\": 1.0");
        for (int s = 1; s <= 5; s++) {
            double eapo = 0.3 + 0.01 * s;
            writeRun(d, "grpo-s" + s, -0.1, eapo, 0.5, grpoLike, null, Double.NaN);
            config(d, "grpo-s" + s, "grpo", "");
            for (String c : List.of("entbonus", "top20", "clipcov", "klcov", "adaent")) {
                writeRun(d, "grpo-" + c + "-s" + s, -0.1, c.equals("klcov") ? eapo - 0.1 * s : eapo, 0.5, grpoLike,
                        null, Double.NaN);
                config(d, "grpo-" + c + "-s" + s, "grpo", controls.get(c));
            }
            writeRun(d, "eapo-s" + s, -0.1, eapo, 0.5, eapoLike, null, Double.NaN);
            config(d, "eapo-s" + s, "eapo", "");
            writeRun(d, "eapo-top20-s" + s, -0.1, eapo + 0.05, 0.5, eapoLike, null, Double.NaN);
            config(d, "eapo-top20-s" + s, "eapo", controls.get("top20"));
        }
        Map<String, String> recon = Map.of("linear", "\"eapo_form\": \"linear\"", "h0mean5", "\"h0_steps\": 5",
                "ema0.9", "\"entropy_ema\": 0.9", "bounds0.5-2", "\"lambda_min\": 0.5, \"lambda_max\": 2.0",
                "nobounds", "\"lambda_min\": 0.0, \"lambda_max\": 1000000.0");
        for (int s = 1; s <= 3; s++)
            for (String r : List.of("linear", "h0mean5", "ema0.9", "bounds0.5-2", "nobounds")) {
                double fin = 0.3 + 0.01 * s + (r.equals("linear") ? 0.1 * s : 0);
                writeRun(d, "eapo-" + r + "-s" + s, -0.1, fin, 0.5, r.equals("ema0.9") ? high : eapoLike, null,
                        Double.NaN);
                config(d, "eapo-" + r + "-s" + s, "eapo", recon.get(r));
            }
    }

    /** config.json of a run: the relevant defaults of `train`, then the given fields. */
    private static void config(Path grid, String name, String weighting, String fields) throws IOException {
        Map<String, String> c = new java.util.LinkedHashMap<>();
        c.put("weighting", "\"" + weighting + "\"");
        c.put("learning_rate", "5.0E-4");
        c.put("entropy_coef", "0.0");
        c.put("loss_mode", "\"vanilla\"");
        c.put("clip_cov_ratio", "2.0E-4");
        c.put("clip_cov_lb", "1.0");
        c.put("clip_cov_ub", "5.0");
        c.put("kl_cov_ratio", "2.0E-4");
        c.put("ppo_kl_coef", "0.1");
        c.put("top_entropy_quantile", "1.0");
        c.put("use_adaptive_entropy", "false");
        c.put("entropy_target", "0.2");
        c.put("entropy_coef_min", "0.0");
        c.put("entropy_coef_max", "0.1");
        c.put("entropy_coef_delta", "0.005");
        c.put("eapo_alpha", "1.0");
        c.put("eapo_form", "\"power\"");
        c.put("lambda_min", "0.05");
        c.put("lambda_max", "4.0");
        c.put("entropy_ema", "0.0");
        c.put("h0_steps", "1");
        if (!fields.isEmpty())
            for (String kv : fields.split(", (?=\")")) {
                int colon = kv.indexOf(':');
                c.put(kv.substring(1, colon - 1), kv.substring(colon + 1).strip());
            }
        StringBuilder json = new StringBuilder("{\n");
        c.forEach((k, v) -> json.append("  \"").append(k).append("\" : ").append(v).append(",\n"));
        json.setLength(json.length() - 2);
        Files.writeString(grid.resolve(name).resolve("config.json"), json.append("\n}\n"), StandardCharsets.UTF_8);
    }

    /**
     * A finished run folder: evaluations at steps -1 (start), 40 (halfway) and 80 (final; best-of-G 0.4, distinct-1
     * 0.4, self-BLEU 0.1, key points if given), one RL row per entropy value (rollout reward 0.1), final-eval.json
     * with elements_union_frac when finite.
     */
    static void writeRun(Path grid, String name, double start, double fin, double distinct2, double[] entropy,
                         Double keypoints, double finalEvalElements) throws IOException {
        Path d = Files.createDirectories(grid.resolve(name));
        StringBuilder m = new StringBuilder();
        m.append(eval(-1, start, 0.9, null)).append(eval(40, (start + fin) / 2, 0.8, null));
        for (int i = 0; i < entropy.length; i++)
            m.append(String.format(Locale.ROOT, "{\"kind\":\"rl\",\"step\":%d,\"reward_mean\":0.1,\"entropy_ht\":%s,"
                    + "\"h0\":%s,\"lambda_pos\":1.0}%n", i + 1, entropy[i], entropy[0]));
        m.append(eval(80, fin, distinct2, keypoints));
        Files.writeString(d.resolve("metrics.jsonl"), m, StandardCharsets.UTF_8);
        Files.writeString(d.resolve("summary.json"), "{}", StandardCharsets.UTF_8);
        if (Double.isFinite(finalEvalElements))
            Files.writeString(d.resolve("final-eval.json"), "{\"elements_union_frac\": " + finalEvalElements + "}");
    }

    private static String eval(int step, double reward, double distinct2, Double keypoints) {
        return String.format(Locale.ROOT, "{\"kind\":\"eval\",\"step\":%d,\"heldout_reward_mean\":%s,"
                + "\"heldout_best_of_g\":0.4,\"heldout_distinct_1\":0.4,\"heldout_distinct_2\":%s,"
                + "\"heldout_self_bleu\":0.1%s}%n", step, reward, distinct2,
                keypoints == null ? "" : ",\"heldout_elements_union_frac\":" + keypoints);
    }
}
