package org.eapo4j.data;

import java.util.Map;

/**
 * One prompt of a {@link PromptDataset}: the prompt text, the record's other JSON fields (what a reward reads, e.g.
 * key points or story elements), its 0-based position in the data set and where it came from.
 *
 * @param index  0-based position in the data set
 * @param prompt the text the policy continues
 * @param fields every other field of the record, read-only; JSON values map to String, Integer/Long/BigInteger,
 *               Double, Boolean, {@code List<Object>}, {@code Map<String, Object>} or null
 * @param source the file or classpath resource ({@code "records"} for in-memory data)
 * @param line   1-based line in {@code source}, 0 for in-memory records
 */
public record PromptRecord(int index, String prompt, Map<String, Object> fields, String source, int line) {
    public PromptRecord {
        if (prompt == null) throw new IllegalArgumentException("prompt must not be null");
        if (fields == null) throw new IllegalArgumentException("fields must not be null");
        if (source == null) throw new IllegalArgumentException("source must not be null");
    }

    /** {@code source:line} for file records, {@code source[index]} for in-memory ones: where to look. */
    public String location() {
        return line > 0 ? source + ":" + line : source + "[" + index + "]";
    }
}
