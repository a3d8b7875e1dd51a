package org.eapo4j.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Appends one JSON object per line (metrics.jsonl) and reads them back for plots and reports. */
public final class MetricsLog implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private final BufferedWriter out;

    public MetricsLog(Path file) {
        this.file = file;
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file + ": " + AtomicFiles.reason(e), e);
        }
    }

    public Path file() {
        return file;
    }

    public void write(Map<String, Object> record) {
        try {
            out.write(JSON.writeValueAsString(record));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + AtomicFiles.reason(e), e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + AtomicFiles.reason(e), e);
        }
    }

    public static List<Map<String, Object>> read(Path file) {
        List<Map<String, Object>> rows = new ArrayList<>();
        if (!Files.exists(file)) return rows;
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) continue;
                try {
                    rows.add(JSON.readValue(line, new TypeReference<LinkedHashMap<String, Object>>() {}));
                } catch (IOException e) {
                    // a torn last line after a crash: ignore it
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + AtomicFiles.reason(e), e);
        }
        return rows;
    }

    /**
     * Keeps the lines a resumed run has not redone: RL lines up to {@code rlStep} and warm-up lines up to
     * {@code warmupStep}; later ones were written after the checkpoint and will be written again.
     */
    public static void truncateAfter(Path file, int warmupStep, int rlStep) {
        if (!Files.exists(file)) return;
        List<String> keep = new ArrayList<>();
        for (Map<String, Object> r : read(file)) {
            String kind = String.valueOf(r.get("kind"));
            int step = ((Number) r.getOrDefault("step", 0)).intValue();
            boolean warm = kind.startsWith("warmup");
            if (warm ? step <= warmupStep : step <= rlStep) {
                try {
                    keep.add(JSON.writeValueAsString(r));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        AtomicFiles.writeString(file, keep.isEmpty() ? "" : String.join("\n", keep) + "\n");
    }

    public static double num(Map<String, Object> r, String key) {
        Object v = r.get(key);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
