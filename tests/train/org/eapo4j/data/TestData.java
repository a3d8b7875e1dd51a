package org.eapo4j.data;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** The small stand-in data set under tests/train/resources/medqa-mini. */
public final class TestData {
    private TestData() {}

    public static Path file(String name) {
        try {
            return Path.of(TestData.class.getClassLoader().getResource("medqa-mini/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static QaDataset train() {
        return QaDataset.load(file("train.jsonl"));
    }

    public static QaDataset heldout() {
        return QaDataset.load(file("heldout.jsonl"));
    }
}
