package org.eapo4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Prompts for RL fine-tuning: records with a string prompt field ({@code "prompt"} unless told otherwise) and any
 * other fields, which travel with the prompt to the reward functions.
 *
 * <p>The JSONL loaders read strict UTF-8, one JSON object per line; blank lines are skipped. A bad file (missing,
 * a directory, empty, bad bytes, broken JSON, trailing text after the object, a duplicate key, a missing, non-string
 * or blank prompt) is a {@link DataFormatException} whose message starts {@code FILE:LINE:} (line 0 for problems of
 * the whole file). In-memory records with such problems are an {@link IllegalArgumentException} naming
 * {@code records[i]}.
 */
public final class PromptDataset {
    /** The default name of the prompt field. */
    public static final String PROMPT_FIELD = "prompt";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final String source;
    private final List<PromptRecord> records;

    private PromptDataset(String source, List<PromptRecord> records) {
        this.source = source;
        this.records = List.copyOf(records);
    }

    /** A JSONL file whose records carry their prompt in {@code "prompt"}. */
    public static PromptDataset fromJsonl(Path path) {
        return fromJsonl(path, PROMPT_FIELD);
    }

    /** A JSONL file whose records carry their prompt in {@code promptField} (e.g. {@code "question"} for medqa). */
    public static PromptDataset fromJsonl(Path path, String promptField) {
        if (path == null) throw new IllegalArgumentException("path must not be null");
        checkField(promptField);
        String src = path.toString();
        if (Files.isDirectory(path)) throw new DataFormatException(src, 0, "is a directory, expected a JSONL file");
        if (!Files.exists(path)) throw new DataFormatException(src, 0, "no such file");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + src, e);
        }
        return parse(src, bytes, promptField);
    }

    /**
     * An embedded data set shipped in the jar under {@value QaDataset#RESOURCE_ROOT}, e.g.
     * {@code stories/train.jsonl}; prompts in {@code "prompt"}.
     */
    public static PromptDataset fromResource(String name) {
        return fromResource(name, PROMPT_FIELD);
    }

    /** An embedded data set whose records carry their prompt in {@code promptField}. */
    public static PromptDataset fromResource(String name, String promptField) {
        if (name == null) throw new IllegalArgumentException("name must not be null");
        checkField(promptField);
        String res = QaDataset.RESOURCE_ROOT + name;
        String src = "classpath:" + res;
        byte[] bytes;
        try (InputStream in = PromptDataset.class.getClassLoader().getResourceAsStream(res)) {
            if (in == null) throw new DataFormatException(src, 0, "embedded data set not found");
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + src, e);
        }
        return parse(src, bytes, promptField);
    }

    /**
     * In-memory records (e.g. built by a program); each needs a non-blank string {@code "prompt"}. The maps are
     * copied, so later changes to them do not reach the data set.
     */
    public static PromptDataset fromRecords(List<Map<String, Object>> records) {
        return fromRecords(records, PROMPT_FIELD);
    }

    /** In-memory records whose prompt is in {@code promptField}. */
    public static PromptDataset fromRecords(List<Map<String, Object>> records, String promptField) {
        if (records == null) throw new IllegalArgumentException("records must not be null");
        checkField(promptField);
        if (records.isEmpty()) throw new IllegalArgumentException("records is empty");
        List<PromptRecord> out = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            Map<String, Object> r = records.get(i);
            String where = "records[" + i + "]";
            if (r == null) throw new IllegalArgumentException(where + " is null");
            Object p = r.get(promptField);
            if (p == null) throw new IllegalArgumentException(where + ": missing field '" + promptField + "'");
            if (!(p instanceof String s)) throw new IllegalArgumentException(where + ": '" + promptField
                    + "' must be a string, not " + p.getClass().getSimpleName());
            if (s.isBlank()) throw new IllegalArgumentException(where + ": '" + promptField + "' is blank");
            Map<String, Object> fields = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : r.entrySet()) {
                if (e.getKey() == null) throw new IllegalArgumentException(where + " has a null key");
                if (!e.getKey().equals(promptField)) fields.put(e.getKey(), readOnly(e.getValue()));
            }
            out.add(new PromptRecord(i, s, Collections.unmodifiableMap(fields), "records", 0));
        }
        return new PromptDataset("records", out);
    }

    /** Where the records came from: a file path, {@code classpath:...} or {@code records}. */
    public String source() {
        return source;
    }

    public int size() {
        return records.size();
    }

    /** Record {@code i} (0-based). */
    public PromptRecord get(int i) {
        if (i < 0 || i >= records.size())
            throw new IndexOutOfBoundsException("record index " + i + " out of range [0, " + records.size() + ")");
        return records.get(i);
    }

    /** All records, read-only, in file order. */
    public List<PromptRecord> records() {
        return records;
    }

    static PromptDataset parse(String src, byte[] bytes, String promptField) {
        List<String> lines = StrictUtf8Lines.split(src, bytes);
        List<PromptRecord> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int no = i + 1;
            if (line.isBlank()) continue;
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new DataFormatException(src, no, "broken JSON: " + e.getOriginalMessage());
            }
            if (!n.isObject()) throw new DataFormatException(src, no, "expected a JSON object");
            JsonNode p = n.get(promptField);
            if (p == null || p.isNull()) throw new DataFormatException(src, no, "missing field '" + promptField + "'");
            if (!p.isTextual()) throw new DataFormatException(src, no, "'" + promptField + "' must be a string");
            if (p.asText().isBlank()) throw new DataFormatException(src, no, "'" + promptField + "' is blank");
            Map<String, Object> fields = new LinkedHashMap<>();
            n.fields().forEachRemaining(e -> {
                if (!e.getKey().equals(promptField))
                    fields.put(e.getKey(), readOnly(JSON.convertValue(e.getValue(), Object.class)));
            });
            out.add(new PromptRecord(out.size(), p.asText(), Collections.unmodifiableMap(fields), src, no));
        }
        if (out.isEmpty()) throw new DataFormatException(src, 0, "no records (the file is empty or blank)");
        return new PromptDataset(src, out);
    }

    /** A read-only deep copy of a JSON-like value (lists and maps copied, leaves kept). */
    private static Object readOnly(Object v) {
        if (v instanceof List<?> l) {
            List<Object> c = new ArrayList<>(l.size());
            for (Object e : l) c.add(readOnly(e));
            return Collections.unmodifiableList(c);
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> c = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) c.put(String.valueOf(e.getKey()), readOnly(e.getValue()));
            return Collections.unmodifiableMap(c);
        }
        return v;
    }

    private static void checkField(String promptField) {
        if (promptField == null || promptField.isBlank())
            throw new IllegalArgumentException("promptField must be a non-blank field name");
    }
}
