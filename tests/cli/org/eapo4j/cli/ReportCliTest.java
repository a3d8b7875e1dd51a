package org.eapo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code eapo4j report} on synthetic run folders: the multi-setting form, the old single-setting form, bad input. */
class ReportCliTest {
    @TempDir Path tmp;

    @Test
    void twoSettingsGoToOneFileWithPlotsPerSetting() throws IOException {
        Path a = grid("stories-grid", "eapo", "grpo"), b = grid("medqa-grid", "eapo", "nsr");
        Path notes = Files.writeString(tmp.resolve("notes.md"), "## Reading\n\nby hand\n");
        Path out = tmp.resolve("docs/RESULTS.md");
        HostileCliTest.Result r = HostileCliTest.cli("report", "--runs", "stories=" + a, "--runs", "medqa=" + b,
                "--start", "medqa=after warm-up", "--out", out.toString(), "--title", "Two settings",
                "--notes", notes.toString());
        assertEquals(0, r.rc(), r.err());
        String md = Files.readString(out, StandardCharsets.UTF_8);
        assertTrue(md.startsWith("# Two settings\n\nRegenerate with `./eapo4j report --runs stories=" + a
                + " --runs medqa=" + b + " --start 'medqa=after warm-up' --out " + out
                + " --title 'Two settings' --notes " + notes + "`."), md);
        assertTrue(md.contains("\n## stories\n") && md.contains("\n## medqa\n"), md);
        assertTrue(md.contains("Start: after warm-up."), md);
        assertTrue(md.contains("| final held-out reward (higher is better) | nsr | 3 |"), md);
        assertTrue(md.endsWith("## Reading\n\nby hand\n"), md);
        for (String label : List.of("stories", "medqa"))
            assertTrue(Files.isRegularFile(tmp.resolve("docs/RESULTS/" + label + "/heldout_reward.png")), label);
    }

    @Test
    void theSingleSettingFormStillWorks() throws IOException {
        Path a = grid("stories-grid", "eapo", "grpo");
        Path out = tmp.resolve("RESULTS_STORIES.md");
        HostileCliTest.Result r = HostileCliTest.cli("report", "--runs", a.toString(), "--out", out.toString());
        assertEquals(0, r.rc(), r.err());
        String md = Files.readString(out, StandardCharsets.UTF_8);
        assertTrue(md.startsWith("# Grid report\n"), md);
        assertTrue(md.contains("\n## stories-grid\n"), md);
        assertTrue(Files.isRegularFile(tmp.resolve("RESULTS_STORIES/stories-grid/entropy.png")));
    }

    @Test
    void badRunsValuesAreOneLineAndExitCode2() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Files.createDirectories(empty.resolve("warmup-s1"));   // not a grid run
        Path good = grid("good", "eapo");
        String out = tmp.resolve("out/R.md").toString();
        rejected("--runs: no such folder", "report", "--runs", "x=" + tmp.resolve("missing"), "--out", out);
        rejected("--runs: no finished", "report", "--runs", "x=" + empty, "--out", out);
        rejected("--runs: no finished", "report", "--runs", "a=" + good, "--runs", "b=" + empty, "--out", out);
        rejected("--runs: no folder after 'x='", "report", "--runs", "x=", "--out", out);
        rejected("--runs: label 'x' given twice", "report", "--runs", "x=" + good, "--runs", "x=" + good, "--out", out);
        rejected("--start:", "report", "--runs", "a=" + good, "--runs", "b=" + good, "--start", "c=x", "--out", out);
        rejected("--out: must name a .md file", "report", "--runs", good.toString(), "--out", tmp.resolve("R").toString());
        rejected("--notes: no such file", "report", "--runs", good.toString(), "--out", out, "--notes", "nope.md");
        rejected("--runs", "report", "--out", out);   // required
    }

    private void rejected(String says, String... args) throws IOException {
        long before = files();
        HostileCliTest.Result r = HostileCliTest.cli(args);
        String what = String.join(" ", args) + "\nstderr:\n" + r.err();
        assertEquals(2, r.rc(), what);
        assertEquals(1, r.errLines().size(), what);
        assertTrue(r.errLines().get(0).startsWith("eapo4j: ") && r.errLines().get(0).contains(says), what);
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), what);
        assertEquals(before, files(), "files left behind by " + what);
    }

    private long files() throws IOException {
        try (Stream<Path> s = Files.walk(tmp)) {
            return s.count();
        }
    }

    /** A setting folder with seeds 1..3 of each weighting, finished, the final reward rising with the seed. */
    private Path grid(String name, String... weightings) throws IOException {
        Path g = tmp.resolve(name);
        for (String w : weightings)
            for (int s = 1; s <= 3; s++) {
                Path d = Files.createDirectories(g.resolve(w + "-s" + s));
                StringBuilder m = new StringBuilder(eval(-1, -0.1));
                for (int step = 1; step <= 12; step++)
                    m.append(String.format(Locale.ROOT, "{\"kind\":\"rl\",\"step\":%d,\"reward_mean\":%s,"
                            + "\"entropy_ht\":%s,\"h0\":1.0,\"lambda_pos\":1.0}%n", step, 0.01 * step, 1 - 0.03 * step));
                m.append(eval(12, (w.equals("eapo") ? 0.3 : 0.1) + 0.01 * s * s));
                Files.writeString(d.resolve("metrics.jsonl"), m);
                Files.writeString(d.resolve("summary.json"), "{}");
            }
        return g;
    }

    private static String eval(int step, double reward) {
        return String.format(Locale.ROOT, "{\"kind\":\"eval\",\"step\":%d,\"heldout_reward_mean\":%s,"
                + "\"heldout_best_of_g\":%s,\"heldout_distinct_1\":0.4,\"heldout_distinct_2\":0.6,"
                + "\"heldout_self_bleu\":0.2}%n", step, reward, reward + 0.1);
    }
}
