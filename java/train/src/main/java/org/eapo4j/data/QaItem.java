package org.eapo4j.data;

import java.util.List;

/** One open-ended question of the medical QA task (see data/medqa/README.md for the JSONL format). */
public record QaItem(String id, String question, List<KeyPoint> keyPoints, List<String> offTopic,
                     String referenceAnswer) {
    public QaItem {
        keyPoints = List.copyOf(keyPoints);
        offTopic = List.copyOf(offTopic);
    }
}
