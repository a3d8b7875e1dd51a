package org.eapo4j.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Loads the open-ended QA JSONL format: one object per line with {@code id}, {@code question},
 * {@code key_points: [{name, synonyms[]}]}, {@code off_topic: []} and {@code reference_answer}. Blank lines are
 * skipped. Any problem (broken JSON, a missing or mistyped field, empty key points, a duplicate id) is a
 * {@link DataFormatException} naming the file and the 1-based line.
 */
public final class QaDataset {
    /** Classpath prefix of the embedded data sets (the {@code data/} folder of the repository). */
    public static final String RESOURCE_ROOT = "eapo4j/data/";
    public static final String EMBEDDED_TRAIN = "medqa/train.jsonl";
    public static final String EMBEDDED_HELDOUT = "medqa/heldout.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String source;
    private final List<QaItem> items;

    private QaDataset(String source, List<QaItem> items) {
        this.source = source;
        this.items = List.copyOf(items);
    }

    public String source() {
        return source;
    }

    public List<QaItem> items() {
        return items;
    }

    public int size() {
        return items.size();
    }

    /**
     * A user file path, or {@code classpath:NAME} / an embedded name such as {@code medqa/train.jsonl} when no file of
     * that name exists.
     */
    public static QaDataset load(String pathOrResource) {
        if (pathOrResource.startsWith("classpath:")) return loadResource(pathOrResource.substring("classpath:".length()));
        Path p = Path.of(pathOrResource);
        if (Files.exists(p)) return load(p);
        if (QaDataset.class.getClassLoader().getResource(RESOURCE_ROOT + pathOrResource) != null)
            return loadResource(pathOrResource);
        throw new DataFormatException(pathOrResource, 0, "no such file (nor an embedded data set of that name)");
    }

    public static QaDataset load(Path path) {
        if (Files.isDirectory(path)) throw new DataFormatException(path.toString(), 0, "is a directory, not a JSONL file");
        try (BufferedReader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            return parse(path.toString(), r);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new DataFormatException(path.toString(), 0, "no such file");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new UncheckedIOException("cannot read " + path + ": permission denied", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** An embedded data set, e.g. {@code medqa/train.jsonl}. */
    public static QaDataset loadResource(String name) {
        String res = RESOURCE_ROOT + name;
        InputStream in = QaDataset.class.getClassLoader().getResourceAsStream(res);
        if (in == null) throw new DataFormatException("classpath:" + res, 0, "embedded data set not found");
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            return parse("classpath:" + res, r);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classpath:" + res, e);
        }
    }

    public static QaDataset parse(String source, BufferedReader reader) throws IOException {
        List<QaItem> items = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        String line;
        int no = 0;
        while (true) {
            try {
                line = reader.readLine();
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new DataFormatException(source, no + 1, "not UTF-8 text");
            }
            if (line == null) break;
            no++;
            if (line.isBlank()) continue;
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new DataFormatException(source, no, "broken JSON: " + e.getOriginalMessage());
            }
            QaItem item = item(source, no, n);
            if (!ids.add(item.id())) throw new DataFormatException(source, no, "duplicate id '" + item.id() + "'");
            items.add(item);
        }
        if (items.isEmpty()) throw new DataFormatException(source, 0, "no items");
        return new QaDataset(source, items);
    }

    private static QaItem item(String src, int no, JsonNode n) {
        if (!n.isObject()) throw new DataFormatException(src, no, "expected a JSON object");
        String id = text(src, no, n, "id");
        String question = text(src, no, n, "question");
        String reference = text(src, no, n, "reference_answer");
        JsonNode kps = n.get("key_points");
        if (kps == null || kps.isNull()) throw new DataFormatException(src, no, "missing field 'key_points'");
        if (!kps.isArray()) throw new DataFormatException(src, no, "'key_points' must be an array");
        if (kps.isEmpty()) throw new DataFormatException(src, no, "'key_points' is empty (item '" + id + "')");
        List<KeyPoint> points = new ArrayList<>();
        for (int i = 0; i < kps.size(); i++) {
            JsonNode kp = kps.get(i);
            String where = "key_points[" + i + "]";
            if (!kp.isObject()) throw new DataFormatException(src, no, where + " must be an object");
            String name = text(src, no, kp, "name", where + ".");
            List<String> syn = strings(src, no, kp, "synonyms", where + ".");
            if (syn.isEmpty()) syn = List.of(name);
            points.add(new KeyPoint(name, syn));
        }
        List<String> off = n.has("off_topic") ? strings(src, no, n, "off_topic", "") : List.of();
        if (!n.has("off_topic")) throw new DataFormatException(src, no, "missing field 'off_topic'");
        return new QaItem(id, question, points, off, reference);
    }

    private static String text(String src, int no, JsonNode n, String field) {
        return text(src, no, n, field, "");
    }

    private static String text(String src, int no, JsonNode n, String field, String prefix) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) throw new DataFormatException(src, no, "missing field '" + prefix + field + "'");
        if (!v.isTextual()) throw new DataFormatException(src, no, "'" + prefix + field + "' must be a string");
        if (v.asText().isBlank()) throw new DataFormatException(src, no, "'" + prefix + field + "' is empty");
        return v.asText();
    }

    private static List<String> strings(String src, int no, JsonNode n, String field, String prefix) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) throw new DataFormatException(src, no, "missing field '" + prefix + field + "'");
        if (!v.isArray()) throw new DataFormatException(src, no, "'" + prefix + field + "' must be an array of strings");
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual())
                throw new DataFormatException(src, no, "'" + prefix + field + "' must be an array of strings");
            if (!e.asText().isBlank()) out.add(e.asText());
        }
        return out;
    }
}
