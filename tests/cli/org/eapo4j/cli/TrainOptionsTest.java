package org.eapo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.eapo4j.cli.Main;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The CLI parses and validates its flags before any work starts. */
class TrainOptionsTest {
    static int run(StringWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(new StringWriter()));
        return cl.execute(args);
    }

    @Test
    void helpAndBadFlags() {
        assertEquals(0, run(new StringWriter(), "train", "--help"));
        assertEquals(0, run(new StringWriter(), "compare", "--help"));
        StringWriter err = new StringWriter();
        assertNotEquals(0, run(err, "train", "--weighting", "ppo", "--out", "target/should-not-exist"));
        assertFalse(new java.io.File("target/should-not-exist").exists());
        assertNotEquals(0, run(new StringWriter(), "train", "--clip-low", "1.5", "--out", "target/should-not-exist"));
        assertNotEquals(0, run(new StringWriter(), "train", "--aggregation", "mean", "--out", "target/should-not-exist"));
    }
}
