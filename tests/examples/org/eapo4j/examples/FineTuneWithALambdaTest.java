package org.eapo4j.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's library example runs on stories260K and leaves a loadable Hugging Face folder behind. */
class FineTuneWithALambdaTest {
    @TempDir Path dir;

    @Test
    void runsAndSavesTheModel() {
        Path model = Path.of(System.getProperty("eapo4j.root", "..")).resolve("data/models/stories260K")
                .toAbsolutePath().normalize();   // the shipped copy
        assertTrue(Files.isRegularFile(model.resolve("config.json")), "the shipped stories260K is missing: " + model);
        FineTuneWithALambda.main(new String[] {model.toString(), dir.resolve("run").toString(), "2"});
        assertTrue(Files.isRegularFile(dir.resolve("run/hf-model/model.safetensors")));
        assertTrue(Files.isRegularFile(dir.resolve("run/hf-model/tokenizer.json")));
        assertTrue(Files.isRegularFile(dir.resolve("run/metrics.jsonl")));
    }
}
