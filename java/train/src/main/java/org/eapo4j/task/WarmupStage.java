package org.eapo4j.task;

import java.util.List;
import java.util.SplittableRandom;

import org.eapo4j.data.PromptDataset;
import org.eapo4j.data.PromptRecord;
import org.eapo4j.model.Tokenizer;
import org.eapo4j.train.ConfigException;
import org.eapo4j.train.RlConfig;

/**
 * A supervised stage before RL: {@code steps} teacher-forcing steps of {@code batchSize} examples each at
 * {@code learningRate} (cosine decay to 10% over the stage), through the RL update code. The trainer draws each
 * example from {@code examples} with the step's random stream, appends the stop id to the target and cuts it to the
 * model's positions.
 *
 * @param name evaluations after a stage that is not the last are logged under this name ({@code policy} field)
 */
public record WarmupStage(String name, int steps, int batchSize, double learningRate, Examples examples) {
    /** The record fields a reference completion is read from, in order. */
    public static final List<String> REFERENCE_FIELDS = List.of("reference_answer", "completion");

    public WarmupStage {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("name: must not be blank");
        if (steps < 0) throw new IllegalArgumentException("steps: must be >= 0, got " + steps);
        if (batchSize < 1) throw new IllegalArgumentException("batchSize: must be >= 1, got " + batchSize);
        if (!(learningRate > 0)) throw new IllegalArgumentException("learningRate: must be > 0, got " + learningRate);
        if (examples == null) throw new IllegalArgumentException("examples: must not be null");
    }

    /** One teacher-forcing example: the prompt ids and the target ids (without the stop id). */
    public record Example(long[] prompt, long[] target) {}

    /** Draws examples; a function of the random stream only. */
    @FunctionalInterface
    public interface Examples {
        Example draw(SplittableRandom rng);
    }

    /**
     * {@code sft_warmup_steps} steps on the records' reference field ({@link #REFERENCE_FIELDS}), batches of
     * min(sft_warmup_batch, records); refuses records without one.
     */
    public static WarmupStage onReferenceField(PromptDataset prompts, RlConfig cfg, Tokenizer tok) {
        for (PromptRecord r : prompts.records())
            if (referenceOf(r) == null)
                throw new ConfigException("sft_warmup_steps", "sft_warmup_steps is " + cfg.sftWarmupSteps
                        + " but prompt " + r.location() + " has no string field " + REFERENCE_FIELDS
                        + " to warm up on (set sft_warmup_steps to 0 for a pretrained policy)");
        List<PromptRecord> recs = prompts.records();
        return new WarmupStage("answers", cfg.sftWarmupSteps, Math.min(cfg.sftWarmupBatch, recs.size()),
                cfg.sftWarmupLr, rng -> {
                    PromptRecord r = recs.get(rng.nextInt(recs.size()));
                    return new Example(tok.encode(r.prompt()), tok.encodeCompletion(" " + referenceOf(r)));
                });
    }

    /** The record's reference completion, or null. */
    public static String referenceOf(PromptRecord r) {
        for (String f : REFERENCE_FIELDS) if (r.fields().get(f) instanceof String s) return s;
        return null;
    }
}
