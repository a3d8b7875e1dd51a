package org.eapo4j.task;

import org.eapo4j.data.PromptDataset;

/** A task on a train and a held-out prompt file: its name and data; the subclass brings the reward and defaults. */
abstract class DataFilesTask implements Task {
    private final String name;
    private final PromptDataset train, heldout;

    DataFilesTask(String name, PromptDataset train, PromptDataset heldout) {
        this.name = name;
        this.train = train;
        this.heldout = heldout;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final PromptDataset trainPrompts() {
        return train;
    }

    @Override
    public final PromptDataset evalPrompts() {
        return heldout;
    }
}
