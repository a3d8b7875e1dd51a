package org.eapo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code eval --out FILE}: the JSON printed on stdout is also in FILE, for a checkpoint and for a model folder. */
class EvalOutCliTest {
    @TempDir Path dir;

    static JsonNode json(String text) throws IOException {
        return new ObjectMapper().readTree(text);
    }

    /** The file holds what stdout printed, and no temporary file is left beside it. */
    static JsonNode sameAsStdout(HostileCliTest.Result r, Path file) throws IOException {
        assertEquals(0, r.rc(), r.err());
        assertTrue(Files.isRegularFile(file), file.toString());
        JsonNode written = json(Files.readString(file));
        assertEquals(json(r.out()), written);
        try (Stream<Path> s = Files.list(file.getParent())) {
            assertEquals(List.of(file.getFileName().toString()),
                    s.map(p -> p.getFileName().toString()).toList());
        }
        return written;
    }

    @Test
    void checkpointEvaluationIsWrittenToo() throws IOException {
        Path run = dir.resolve("run");
        HostileCliTest.Result t = HostileCliTest.cli(HostileCliTest.train("--out", run.toString()));
        assertEquals(0, t.rc(), t.err());
        Path file = dir.resolve("evals").resolve("eval.json");   // its folder is made
        JsonNode j = sameAsStdout(HostileCliTest.cli("eval", "--checkpoint", run.toString(), "--samples", "2",
                "--out", file.toString()), file);
        assertTrue(j.has("reward_mean") && j.has("rl_step"), j.toString());
        // a second call replaces the file
        JsonNode again = sameAsStdout(HostileCliTest.cli("eval", "--checkpoint", run.toString(), "--samples", "3",
                "--out", file.toString()), file);
        assertTrue(again.has("reward_mean"), again.toString());
    }

    @Test
    void modelEvaluationIsWrittenWithTheElementsCovered() throws IOException {
        Path model = ModelTrainingCliTest.stories260K(), file = dir.resolve("final-eval.json");
        JsonNode j = sameAsStdout(HostileCliTest.cli("eval", "--model", model.toString(), "--task", "stories",
                "--questions", "3", "--samples", "2", "--out", file.toString()), file);
        double union = j.get("elements_union_frac").asDouble(), mean = j.get("elements_mean_frac").asDouble();
        // with the union over G completions at least each one's share, and both shares in [0, 1]
        assertTrue(0 <= mean && mean <= union && union <= 1, j.toString());
        assertEquals(model.toString(), j.get("model").asText());
    }
}
