package org.eapo4j.task;

import org.eapo4j.model.Tokenizer;
import org.eapo4j.reward.Rewards;
import org.eapo4j.reward.StoryReward;
import org.eapo4j.train.RlConfig;

/**
 * Story continuation for TinyStories-style models (data/stories/README.md): continue an opening, come back to its
 * characters, objects and places, do not loop, end in time ({@link StoryReward}). The default task of
 * {@code ./eapo4j train}, on the shipped stories260K.
 */
public final class StoriesTask extends DataFilesTask {
    public static final String NAME = "stories";
    public static final String TRAIN = "stories/train.jsonl", HELDOUT = "stories/heldout.jsonl";

    /** The task on {@code train} / {@code heldout} (files or embedded names; empty = the embedded data). */
    public StoriesTask(String train, String heldout) {
        super(NAME, Datasets.prompts(train.isEmpty() ? TRAIN : train, "prompt"),
                Datasets.prompts(heldout.isEmpty() ? HELDOUT : heldout, "prompt"));
    }

    /** The embedded data. */
    public StoriesTask() {
        this("", "");
    }

    @Override
    public Rewards rewards() {
        return Rewards.builder().reward("story", 1.0, new StoryReward()).build();
    }

    /** llama2.c-style story models end a story by starting the next one (BOS): both end a completion. */
    @Override
    public long[] stopIds(Tokenizer tok) {
        long bos = tok.bosId();
        return bos >= 0 ? new long[] {tok.eosIds()[0], bos} : tok.eosIds();
    }

    /** A short run on a small pretrained model: 120 steps of 8 x 8 continuations of up to 48 tokens. */
    @Override
    public RlConfig defaults() {
        return defaultSettings();
    }

    /** {@link #defaults()} without loading the data. */
    public static RlConfig defaultSettings() {
        RlConfig c = new RlConfig();
        c.task = NAME;
        c.steps = 120;
        c.promptsPerStep = 8;
        c.numGenerations = 8;
        c.maxCompletionLength = 48;
        c.learningRate = 5e-4;   // 1e-3 and more collapse the entropy of the 260K model sooner (docs/RESULTS.md)
        c.minibatches = 2;
        c.evalSteps = 40;
        c.saveSteps = 40;
        c.evalSamples = 4;
        c.trainEvalQuestions = 16;
        c.threads = 1;           // a tiny model: one thread is fastest on a shared machine
        return c;
    }
}
