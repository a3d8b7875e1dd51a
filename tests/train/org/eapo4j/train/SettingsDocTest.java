package org.eapo4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * Every setting is declared once (@Setting) and the rest follows from the declaration: docs/TRAINING.md's settings
 * table is the generated one (on a mismatch the test writes the expected table to target/settings-table.md), every
 * declared range is enforced by validate(), and no two settings share a flag.
 */
class SettingsDocTest {
    static final String BEGIN = "<!-- settings-table:begin -->", END = "<!-- settings-table:end -->";

    @Test
    void theDocsTableIsTheGeneratedOne() throws IOException {
        Path docs = Path.of(System.getProperty("eapo4j.root", "../..")).resolve("docs/TRAINING.md");
        String text = Files.readString(docs, StandardCharsets.UTF_8);
        int b = text.indexOf(BEGIN), e = text.indexOf(END);
        assertTrue(b >= 0 && e > b, "docs/TRAINING.md lacks the " + BEGIN + " ... " + END + " markers");
        String inDocs = text.substring(b + BEGIN.length(), e).strip();
        String expected = Settings.markdownTable().strip();
        if (!expected.equals(inDocs)) {
            Path out = Path.of("target", "settings-table.md");
            Files.createDirectories(out.getParent());
            Files.writeString(out, expected + "\n", StandardCharsets.UTF_8);
            assertEquals(expected, inDocs, "docs/TRAINING.md's settings table is stale: paste " + out.toAbsolutePath());
        }
    }

    @Test
    void everyDeclaredRangeIsEnforcedAndFlagsAreUnique() {
        Set<String> flags = new HashSet<>();
        for (Settings.Entry e : Settings.all()) {
            for (String f : e.flags()) assertTrue(flags.add(f), "flag " + f + " declared twice");
            if (!(e.defaultValue() instanceof Number) || Double.isNaN(e.decl().min())) continue;
            RlConfig c = new RlConfig();
            double below = e.decl().minExclusive() ? e.decl().min() : e.decl().min() - 1;
            if (e.type() == double.class) e.set(c, below);
            else if (e.type() == int.class) e.set(c, (int) Math.floor(below));
            else if (e.type() == long.class) e.set(c, (long) Math.floor(below));
            ConfigException x = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, c::validate,
                    e.json() + " = " + below);
            assertEquals(e.json(), x.fields().get(0));
        }
        assertTrue(Settings.all().size() >= 50);
    }
}
