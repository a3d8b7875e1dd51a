package org.eapo4j.hf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import org.junit.jupiter.api.Assumptions;

/** Finds ../shared/models/NAME relative to the repository root by walking up from user.dir; skips when absent. */
public final class SharedModels {
    private SharedModels() {}

    public static Path require(String name) {
        for (Path p = Paths.get(System.getProperty("user.dir")).toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("../shared/models").resolve(name).normalize();
            if (Files.isRegularFile(candidate.resolve("config.json"))) return candidate;
        }
        Assumptions.abort("../shared/models/" + name + " not found above " + System.getProperty("user.dir")
                + ": the pretrained-model tests need that fixture");
        return null;
    }
}
