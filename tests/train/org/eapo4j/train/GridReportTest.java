package org.eapo4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

/** The grid report's statistics against published table values and hand-computed cases. */
class GridReportTest {
    @Test
    void studentTMatchesTheTables() {
        // two-sided 95% critical values: df 2 -> 4.303, df 4 -> 2.776, df 30 -> 2.042
        assertEquals(4.303, GridReport.tQuantile975(2), 1e-3);
        assertEquals(2.776, GridReport.tQuantile975(4), 1e-3);
        assertEquals(2.042, GridReport.tQuantile975(30), 1e-3);
        // df = 2 has a closed form: F(t) = 1/2 + t / (2 sqrt(2 + t^2))
        for (double t : new double[] {0.3, 1.0, 2.5, 7.0})
            assertEquals(0.5 + t / (2 * Math.sqrt(2 + t * t)), GridReport.tCdf(t, 2), 1e-9);
    }

    @Test
    void worstDropIsTheLargestFallOfTheMovingAverageBelowItsPeak() {
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < 20; i++) r.add(1.0);   // smoothed 1.0
        for (int i = 0; i < 10; i++) r.add(0.0);   // smoothed falls to 0.0
        for (int i = 0; i < 10; i++) r.add(0.5);
        assertEquals(1.0, GridReport.worstDrop(r), 1e-12);
        assertEquals(0.0, GridReport.worstDrop(List.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1)), 1e-12);
    }

    @Test
    void pairedComparisonAndCollapseCountsInTheReport() {
        List<GridReport.Run> runs = new ArrayList<>();
        double[] eapo = {0.30, 0.20, 0.25}, grpo = {0.10, 0.05, 0.15};
        for (int s = 0; s < 3; s++) {
            runs.add(new GridReport.Run("eapo", s + 1, -0.1, eapo[s], 0.4, 0.5, 0.8, 0.1, 0.05, 0.8, new TreeMap<>()));
            runs.add(new GridReport.Run("grpo", s + 1, -0.1, grpo[s], 0.3, 0.5, 0.7, 0.2, 0.10, 0.3, new TreeMap<>()));
        }
        String md = GridReport.render("t", java.nio.file.Path.of("runs"), runs, java.nio.file.Path.of("p"));
        // differences 0.20, 0.15, 0.10: mean 0.15, sd 0.05, t = 0.15 / (0.05 / sqrt 3) = 5.196, p = 0.0351 (df 2)
        assertTrue(md.contains("| grpo | 3 | +0.150 |"), md);
        assertTrue(md.contains("| 5.20 | 0.035 |"), md);
        assertTrue(md.matches("(?s).*\\| grpo \\| 3 \\|.*\\| 3 \\|\\n.*"), md);   // all three GRPO runs collapsed
    }
}
