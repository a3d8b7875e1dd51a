package org.eapo4j.task;

import java.nio.file.Files;
import java.nio.file.Path;

import org.eapo4j.data.PromptDataset;
import org.eapo4j.data.QaDataset;

/** A task's data: a file when one exists at the given path, else an embedded data set of that name. */
final class Datasets {
    private Datasets() {}

    static PromptDataset prompts(String nameOrPath, String promptField) {
        Path p = Path.of(nameOrPath);
        return Files.exists(p) ? PromptDataset.fromJsonl(p, promptField)
                : PromptDataset.fromResource(nameOrPath, promptField);
    }

    static QaDataset qa(String nameOrPath) {
        return QaDataset.load(nameOrPath);
    }
}
