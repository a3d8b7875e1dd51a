package org.eapo4j.hf;

import java.nio.file.Path;


/**
 * The pretrained models the tests use: the project's shipped copy (data/models/NAME, on the test class path under
 * eapo4j/data/models/), so the tests run on a fresh clone with no ../shared beside it. Fails (never skips) when the
 * shipped copy is missing.
 */
public final class SharedModels {
    private SharedModels() {}

    public static Path require(String name) {
        if ("stories260K".equals(name)) return EmbeddedModels.stories260K();
        throw new IllegalArgumentException("no shipped model named " + name);
    }
}
