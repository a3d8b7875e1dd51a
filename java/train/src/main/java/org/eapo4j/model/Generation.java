package org.eapo4j.model;

/**
 * Sampled answers of one batch: {@code responses[i]} holds the generated ids up to and including the end-of-answer
 * token (when one was produced) and {@code terminated[i]} says whether it was.
 */
public record Generation(int[][] prompts, int[][] responses, boolean[] terminated) {
    public int size() {
        return responses.length;
    }

    public int maxResponseLength() {
        int m = 1;
        for (int[] r : responses) m = Math.max(m, r.length);
        return m;
    }
}
