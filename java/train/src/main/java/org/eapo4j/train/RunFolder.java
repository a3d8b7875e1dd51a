package org.eapo4j.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The files of one run: {@code config.json}, {@code metrics.jsonl}, {@code checkpoint.bin}, {@code summary.json} and
 * the plots. {@link #prepare()} checks the folder before any work (not a file, writable), creates it and removes
 * temporary files a crashed write left behind; {@link #discardIfCreated()} removes what a run that failed during
 * set-up created, so a refused run leaves nothing behind.
 */
public final class RunFolder {
    public static final String CHECKPOINT = "checkpoint.bin", METRICS = "metrics.jsonl", CONFIG = "config.json",
            SUMMARY = "summary.json";
    private static final List<String> ATOMIC = List.of(CHECKPOINT, CONFIG, SUMMARY, METRICS);
    private static final String PROBE = ".eapo4j-write-probe";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private Path createdRoot;   // the topmost folder prepare() created, or null

    public RunFolder(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    public Path checkpoint() {
        return dir.resolve(CHECKPOINT);
    }

    public Path metrics() {
        return dir.resolve(METRICS);
    }

    public Path config() {
        return dir.resolve(CONFIG);
    }

    public Path summary() {
        return dir.resolve(SUMMARY);
    }

    public boolean hasCheckpoint() {
        return Files.isRegularFile(checkpoint());
    }

    /**
     * Makes the folder usable: refuses a path that is a file (a {@link ConfigException} on "out"), creates it,
     * checks that it is writable and removes leftover {@code *.tmp} files of interrupted writes.
     *
     * @throws UncheckedIOException the folder cannot be created or written (read-only, no space, ...)
     */
    public void prepare() {
        if (Files.exists(dir) && !Files.isDirectory(dir))
            throw new ConfigException("out", dir + " exists and is not a directory");
        try {
            Path missing = null;
            for (Path p = dir.toAbsolutePath(); p != null && !Files.exists(p); p = p.getParent()) missing = p;
            Files.createDirectories(dir);
            if (createdRoot == null) createdRoot = missing;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create output folder " + dir + ": " + AtomicFiles.reason(e), e);
        }
        Path probe = dir.resolve(PROBE);
        try {
            Files.write(probe, new byte[] {1});
            Files.delete(probe);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to output folder " + dir + ": " + AtomicFiles.reason(e), e);
        }
        removeLeftovers();
    }

    /** Deletes {@code NAME.tmp} of every file written atomically (left by a process that died mid-write). */
    public void removeLeftovers() {
        for (String name : ATOMIC) {
            try {
                Files.deleteIfExists(dir.resolve(name + AtomicFiles.TMP_SUFFIX));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove " + dir.resolve(name + AtomicFiles.TMP_SUFFIX) + ": "
                        + AtomicFiles.reason(e), e);
            }
        }
    }

    /** Removes the folders {@link #prepare()} created (with their contents); a folder that existed stays. */
    public void discardIfCreated() {
        if (createdRoot == null) return;
        try (Stream<Path> s = Files.walk(createdRoot)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException | UncheckedIOException e) {
            // best effort: the error that made us discard is the one to report
        }
        createdRoot = null;
    }

    public void writeConfig(RlConfig cfg) {
        AtomicFiles.writeString(config(), cfg.toJson() + "\n");
    }

    public void writeSummary(Map<String, Object> summary) {
        try {
            AtomicFiles.writeString(summary(), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(summary) + "\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A fresh run's folder: created ({@link #prepare()}), config.json written, a new metrics log returned. On failure
     * removes what it created ({@link #discardIfCreated()}) and rethrows.
     */
    public MetricsLog startFresh(RlConfig cfg) {
        try {
            prepare();
            writeConfig(cfg);
            return freshLog();
        } catch (RuntimeException e) {
            discardIfCreated();
            throw e;
        }
    }

    /** A new metrics log; lines of an earlier, uncheckpointed attempt are dropped. */
    public MetricsLog freshLog() {
        try {
            Files.deleteIfExists(metrics());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot replace " + metrics() + ": " + AtomicFiles.reason(e), e);
        }
        return new MetricsLog(metrics());
    }

    /** The log of a resumed run: lines written after the checkpoint (they will be redone) are dropped. */
    public MetricsLog resumedLog(int warmupStep, int rlStep) {
        MetricsLog.truncateAfter(metrics(), warmupStep, rlStep);
        return new MetricsLog(metrics());
    }
}
