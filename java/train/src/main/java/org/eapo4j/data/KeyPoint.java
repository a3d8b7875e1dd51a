package org.eapo4j.data;

import java.util.List;

/** One point a good answer should cover: a display name and the phrases that count as mentioning it. */
public record KeyPoint(String name, List<String> synonyms) {
    public KeyPoint {
        synonyms = List.copyOf(synonyms);
    }
}
