package org.eapo4j.reward;

import java.util.Map;

import org.eapo4j.data.PromptRecord;

/**
 * One generated completion, as a reward function sees it.
 *
 * @param recordIndex 0-based index of the prompt record in its data set (named in error messages)
 * @param prompt      the prompt text the completion continues
 * @param completion  the generated text, decoded, without the prompt and without the end-of-sequence token
 * @param fields      the prompt record's other JSON fields (read-only; e.g. key points or story elements)
 * @param truncated   true when generation hit the length limit before an end-of-sequence token
 */
public record Sample(int recordIndex, String prompt, String completion, Map<String, Object> fields,
                     boolean truncated) {
    private static final int PROMPT_HEAD = 60;

    public Sample {
        if (prompt == null) throw new IllegalArgumentException("prompt must not be null");
        if (completion == null) throw new IllegalArgumentException("completion must not be null");
        if (fields == null) throw new IllegalArgumentException("fields must not be null");
    }

    /** A completion of {@code record}. */
    public static Sample of(PromptRecord record, String completion, boolean truncated) {
        return new Sample(record.index(), record.prompt(), completion, record.fields(), truncated);
    }

    /** {@code record 12 ("Once upon a time, ...")}: the index and the first 60 characters of the prompt. */
    public String describe() {
        String p = prompt.length() <= PROMPT_HEAD ? prompt : prompt.substring(0, PROMPT_HEAD) + "...";
        return "record " + recordIndex + " (\"" + p.replace("\n", "\\n") + "\")";
    }
}
