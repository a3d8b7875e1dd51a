package org.eapo4j.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.eapo4j.train.RlConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The compare report over synthetic run folders: its table and its plots, which link from the markdown. */
class CompareReportTest {
    @TempDir Path tmp;

    @Test
    void writesTheTableAndThePlotsOfTheGrid() throws IOException {
        Path root = tmp.resolve("grid");
        for (long seed : List.of(1L, 2L)) {
            RunPlotsTest.run(CompareReport.warmupDir(root, seed), "\"train_data\": \"medqa/train.jsonl\"");
            for (String w : List.of("eapo", "grpo"))
                RunPlotsTest.run(CompareReport.runDir(root, w, seed), "\"train_data\": \"medqa/train.jsonl\"");
        }
        Path report = root.resolve("report.md"), plots = root.resolve("results");
        String md = CompareReport.write(root, List.of("eapo", "grpo"), List.of(1L, 2L), report, plots, "./eapo4j compare",
                new RlConfig());
        assertTrue(md.contains("| eapo |") && md.contains("| grpo |"), md);
        for (String png : List.of("entropy", "lambda_pos", "rollout_reward", "heldout_reward", "distinct_2",
                "seed_spread")) {
            assertTrue(Files.size(plots.resolve(png + ".png")) > 1000, png);
            assertTrue(md.contains("](results/" + png + ".png)"), png);
        }
    }
}
