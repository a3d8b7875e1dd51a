package org.eapo4j.hf;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The models eapo4j ships: karpathy's stories260K (MIT; data/models/stories260K/README.md), in the Hugging Face
 * layout, under {@code eapo4j/data/models/} on the class path (the CLI jar carries it). {@link #stories260K()} gives
 * a folder {@link HfModels#load} reads: the folder itself when the class path is a directory, else a copy in a
 * temporary folder, made once per process and deleted at exit.
 */
public final class EmbeddedModels {
    /** The {@code model_name_or_path} that names the shipped stories260K. */
    public static final String STORIES_260K = "embedded:stories260K";
    private static final String ROOT = "eapo4j/data/models/stories260K/";
    private static final List<String> FILES = List.of("config.json", "model.safetensors", "tokenizer.json",
            "tokenizer_config.json", "generation_config.json", "LICENSE", "README.md");
    private static Path extracted;

    private EmbeddedModels() {}

    /** The shipped stories260K as a folder. */
    public static synchronized Path stories260K() {
        URL config = EmbeddedModels.class.getClassLoader().getResource(ROOT + "config.json");
        if (config == null)
            throw new IllegalStateException("the embedded stories260K is not on the class path (it ships in the "
                    + "eapo4j-cli jar under " + ROOT + ")");
        if ("file".equals(config.getProtocol())) {
            try {
                return Path.of(config.toURI()).getParent();
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        if (extracted == null) extracted = extract();
        return extracted;
    }

    /** {@code name} as a model folder: {@link #STORIES_260K} is the shipped model, anything else a path. */
    public static Path resolve(String name) {
        return STORIES_260K.equals(name) ? stories260K() : Path.of(name);
    }

    private static Path extract() {
        try {
            Path dir = Files.createTempDirectory("eapo4j-stories260K-");
            dir.toFile().deleteOnExit();   // registered first: deleteOnExit runs in reverse order, files first
            for (String f : FILES) {
                try (InputStream in = EmbeddedModels.class.getClassLoader().getResourceAsStream(ROOT + f)) {
                    if (in == null) throw new IllegalStateException("embedded stories260K lacks " + f);
                    Files.copy(in, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
                dir.resolve(f).toFile().deleteOnExit();
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the embedded stories260K to a temporary folder", e);
        }
    }
}
