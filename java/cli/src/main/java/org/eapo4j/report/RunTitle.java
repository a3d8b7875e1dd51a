package org.eapo4j.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.eapo4j.train.RunFolder;

/**
 * The name of a run in plot titles, "task · weighting · seed N" (e.g. "stories · eapo · seed 3"), from its config.json:
 * the task is the config's {@code task} when it has one, else the folder of its {@code train_data} ("stories" for
 * stories/train.jsonl), else that file's name. A folder without a readable config.json is named by the folder.
 */
public final class RunTitle {
    private RunTitle() {}

    public static String of(Path runDir) {
        Path config = runDir.resolve(RunFolder.CONFIG);
        if (Files.isRegularFile(config)) {
            try {
                return of(new ObjectMapper().readValue(config.toFile(), Map.class));
            } catch (IOException e) {
                // an unreadable config names no run: fall back to the folder's name
            }
        }
        Path name = runDir.toAbsolutePath().normalize().getFileName();
        return name == null ? "run" : name.toString();
    }

    static String of(Map<?, ?> config) {
        StringBuilder s = new StringBuilder(task(config));
        if (config.get("weighting") != null) s.append(" · ").append(config.get("weighting"));
        if (config.get("seed") != null) s.append(" · seed ").append(config.get("seed"));
        return s.toString();
    }

    private static String task(Map<?, ?> config) {
        if (config.get("task") instanceof String t && !t.isBlank()) return t;
        if (!(config.get("train_data") instanceof String data) || data.isBlank()) return "run";
        Path p = Path.of(data);
        if (p.getParent() != null && p.getParent().getFileName() != null) return p.getParent().getFileName().toString();
        String file = p.getFileName().toString();
        int dot = file.indexOf('.');
        return dot > 0 ? file.substring(0, dot) : file;
    }
}
