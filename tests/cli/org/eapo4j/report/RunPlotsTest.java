package org.eapo4j.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;

/** A run's plots: titled with the run, numeric step axis, one decimal format per axis, drawn by the callback. */
class RunPlotsTest {
    @TempDir Path tmp;

    @Test
    void theTitleNamesTaskWeightingAndSeed() throws IOException {
        Path run = run(tmp.resolve("a"), "\"train_data\": \"stories/train.jsonl\"");
        assertEquals("stories · eapo · seed 3", RunTitle.of(run));
        assertEquals("medqa · grpo · seed 3", RunTitle.of(Map.of("task", "medqa", "train_data", "x/train.jsonl",
                "weighting", "grpo", "seed", 3)));
        assertEquals("mine · eapo · seed 1", RunTitle.of(Map.of("train_data", "mine.jsonl", "weighting", "eapo",
                "seed", 1)));
        Path bare = Files.createDirectories(tmp.resolve("eapo-s2"));
        assertEquals("eapo-s2", RunTitle.of(bare));   // no config.json: the folder's name
    }

    @Test
    void everyPlotIsTitledWithTheRunAndCountsStepsWithNumbers() throws IOException {
        Map<String, XYChart> charts = Plots.runCharts(run(tmp.resolve("run"), "\"train_data\": \"stories/train.jsonl\""));
        assertEquals(List.of("entropy", "lambda_pos", "reward", "diversity"), List.copyOf(charts.keySet()));
        for (Map.Entry<String, XYChart> e : charts.entrySet()) {
            XYChart c = e.getValue();
            assertTrue(c.getTitle().endsWith(" — stories · eapo · seed 3"), c.getTitle());
            assertEquals("RL step", c.getXAxisTitle());
            assertEquals(0.0, c.getStyler().getXAxisMin(), e.getKey());   // the untrained policy's evaluation: step 0
            assertTrue(c.getStyler().getXAxisMax() > 150, e.getKey());
            assertEquals("0", c.getStyler().getXAxisDecimalPattern(), e.getKey());
            assertTrue(c.getStyler().getYAxisDecimalPattern().matches("0(\\.0+)?"), e.getKey());
        }
        assertEquals("0.00", charts.get("entropy").getStyler().getYAxisDecimalPattern());   // 4.40 .. 4.53
    }

    @Test
    void oneDecimalFormatPerAxisFineEnoughForItsRange() {
        assertEquals("0.00", ChartAxes.pattern(4.40, 4.52));
        assertEquals("0.0", ChartAxes.pattern(0, 1));
        assertEquals("0.00", ChartAxes.pattern(0.02, 0.14));   // ".02" beside "0.1" before
        assertEquals("0", ChartAxes.pattern(0, 150));
        assertEquals("0.0", ChartAxes.pattern(2, 2));   // one value
    }

    @Test
    void theCallbackDrawsThePlotsAfterEachEvaluationAndAtTheEnd() throws IOException {
        Path dir = run(tmp.resolve("run"), "\"train_data\": \"medqa/train.jsonl\"");
        RunPlotsCallback cb = new RunPlotsCallback(dir);
        cb.onEvaluation(Map.of("kind", "eval"));
        for (String png : List.of("entropy", "lambda_pos", "reward", "diversity")) {
            assertTrue(Files.size(dir.resolve(png + ".png")) > 1000, png);
            Files.delete(dir.resolve(png + ".png"));
        }
        cb.onRunEnd(dir);
        for (String png : List.of("entropy", "lambda_pos", "reward", "diversity"))
            assertTrue(Files.size(dir.resolve(png + ".png")) > 1000, png);
    }

    @Test
    void aPlotThatCannotBeWrittenIsAWarningAndTheRunGoesOn() throws IOException {
        Path dir = run(tmp.resolve("run"), "\"train_data\": \"medqa/train.jsonl\"");
        Files.createDirectories(dir.resolve("reward.png"));   // a folder where the PNG goes
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        new RunPlotsCallback(dir, new PrintStream(err, true, StandardCharsets.UTF_8)).onRunEnd(dir);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("warning: cannot draw the plots of"), err.toString());
        assertFalse(Files.isRegularFile(dir.resolve("reward.png")));
    }

    /**
     * A run folder: config.json (eapo, seed 3, the given train-data line) and a metrics.jsonl of 150 RL steps with an
     * evaluation of the untrained policy (step -1), of the warm-up policy (step 0) and every 40 steps and at the end.
     */
    static Path run(Path dir, String trainData) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), "{" + trainData + ", \"weighting\": \"eapo\", \"seed\": 3}");
        List<String> lines = new ArrayList<>();
        lines.add(eval(-1, "init", 0.02));
        lines.add(eval(0, "warmup", 0.10));
        for (int step = 1; step <= 150; step++) {
            double h = 4.40 + 0.13 * Math.exp(-step / 40.0) * (1 + 0.1 * Math.sin(step));
            lines.add(String.format(Locale.ROOT, "{\"kind\":\"rl\",\"step\":%d,\"entropy_ht\":%.5f,\"h0\":4.4864,"
                            + "\"lambda_pos\":%.5f,\"lambda_neg\":1.0,\"reward_mean\":%.5f}", step, h, h / 4.4864,
                    0.1 + 0.002 * step + 0.03 * Math.sin(step * 0.7)));
            if (step % 40 == 0 || step == 150) lines.add(eval(step, "rl", 0.1 + 0.0015 * step));
        }
        Files.write(dir.resolve("metrics.jsonl"), lines, StandardCharsets.UTF_8);
        return dir;
    }

    private static String eval(int step, String policy, double reward) {
        return String.format(Locale.ROOT, "{\"kind\":\"eval\",\"step\":%d,\"policy\":\"%s\",\"heldout_reward_mean\":%.4f,"
                        + "\"heldout_best_of_g\":%.4f,\"train_reward_mean\":%.4f,\"heldout_distinct_1\":0.62,"
                        + "\"heldout_distinct_2\":%.4f,\"heldout_self_bleu\":0.08,\"heldout_elements_union_frac\":%.4f}",
                step, policy, reward, reward * 2, reward * 1.1, 0.9 - reward, reward * 1.5);
    }
}
