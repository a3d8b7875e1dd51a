package org.eapo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@code eapo4j generate} as a user runs it: a separate JVM, stdout, stderr and the exit code. */
class GenerateCommandTest {
    record Run(int code, String out, String err) {}

    static Run cli(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("OMP_NUM_THREADS", "1");
        File out = File.createTempFile("gen", ".out"), err = File.createTempFile("gen", ".err");
        pb.redirectOutput(out).redirectError(err);
        int code = pb.start().waitFor();
        Run r = new Run(code, Files.readString(out.toPath(), StandardCharsets.UTF_8),
                Files.readString(err.toPath(), StandardCharsets.UTF_8));
        out.delete();
        err.delete();
        return r;
    }

    static Path stories() {
        return org.eapo4j.hf.EmbeddedModels.stories260K();   // the shipped copy
    }

    @Test
    void greedyCompletionIsThePublishedText() throws Exception {
        Path dir = stories();
        String text = new ObjectMapper().readTree(dir.resolve("expected.json").toFile())
                .get("greedy_from_bos_text").asText();
        Run r = cli("generate", "--model", dir.toString(), "--prompt", "Once upon a time", "--max-new", "30",
                "--greedy");
        assertEquals(0, r.code(), r.err());
        String completion = r.out().stripTrailing();
        assertTrue(completion.length() > 20 && text.startsWith("Once upon a time" + completion),
                "completion: " + completion);
    }

    @Test
    void badInputIsOneLineAndExitCode2() throws Exception {
        Path dir = stories();
        Run missing = cli("generate", "--model", "/nonexistent/model", "--prompt", "x");
        assertEquals(2, missing.code());
        assertEquals(1, missing.err().strip().lines().count(), missing.err());
        assertTrue(missing.err().contains("/nonexistent/model"), missing.err());
        Run both = cli("generate", "--model", dir.toString(), "--prompt", "x", "--greedy", "--temperature", "0.5");
        assertEquals(2, both.code());
        assertEquals(1, both.err().strip().lines().count(), both.err());
        Run noTemplate = cli("generate", "--model", dir.toString(), "--prompt", "x", "--chat");
        assertEquals(2, noTemplate.code());
        assertTrue(noTemplate.err().contains("no chat template"), noTemplate.err());
    }
}
