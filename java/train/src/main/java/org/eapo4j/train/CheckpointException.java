package org.eapo4j.train;

import java.nio.file.Path;

/** A checkpoint file that is missing, truncated, garbled or fails its checksums; the message names file and part. */
public final class CheckpointException extends RuntimeException {
    private final Path file;

    public CheckpointException(Path file, String problem) {
        super("checkpoint " + file + " " + problem);
        this.file = file;
    }

    public CheckpointException(Path file, String problem, Throwable cause) {
        super("checkpoint " + file + " " + problem, cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
