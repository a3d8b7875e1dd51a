package org.eapo4j.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.eapo4j.data.WordTokenizer;
import org.eapo4j.model.CausalLM;
import org.eapo4j.model.ModelConfig;
import org.eapo4j.model.TransformerLM;

/**
 * What a run's checkpoint says about the run, for a client that must rebuild its pieces before resuming or
 * evaluating it (the CLI's {@code train --resume}, {@code eval --checkpoint}): the settings, the built-in model's
 * shape and word vocabulary (empty for a model with its own tokenizer), and how far it got.
 */
public final class StoredRun {
    private final CheckpointCodec.Loaded loaded;

    private StoredRun(CheckpointCodec.Loaded loaded) {
        this.loaded = loaded;
    }

    /** Reads {@code checkpoint.bin} of a run folder (or that file itself). @throws CheckpointException */
    public static StoredRun read(Path runDirOrFile) {
        Path file = Files.isDirectory(runDirOrFile) ? runDirOrFile.resolve(RunFolder.CHECKPOINT) : runDirOrFile;
        return new StoredRun(CheckpointCodec.read(file));
    }

    public Path file() {
        return loaded.file();
    }

    /** The run's settings (a copy). */
    public RlConfig config() {
        return loaded.state().config().copy();
    }

    /** The word vocabulary of a built-in-model run; empty when the model brings its own tokenizer. */
    public List<String> vocabulary() {
        return loaded.state().vocab();
    }

    /** The built-in model's shape, or null when the run trained another model. */
    public ModelConfig builtinModel() {
        return loaded.state().builtinModel();
    }

    public boolean isBuiltinModelRun() {
        return builtinModel() != null && !vocabulary().isEmpty();
    }

    public int rlStep() {
        return loaded.state().rlStep();
    }

    public boolean warmupDone() {
        return loaded.state().warmupDone();
    }

    /** A new built-in model holding the stored policy weights (the caller closes it). */
    public TransformerLM builtinPolicy() {
        if (!isBuiltinModelRun())
            throw new CheckpointException(file(), "holds a model with its own tokenizer (e.g. train --model): load "
                    + "that model instead");
        TransformerLM m = new TransformerLM(builtinModel());
        CheckpointCodec.restoreTensors(loaded, m, null);
        return m;
    }

    /** The stored word tokenizer of a built-in-model run. */
    public WordTokenizer wordTokenizer() {
        if (vocabulary().isEmpty()) throw new CheckpointException(file(), "has no word vocabulary");
        return new WordTokenizer(vocabulary());
    }

    /** Copies the stored policy weights into {@code model} (same parameter names and shapes). */
    public void loadPolicyInto(CausalLM model) {
        CheckpointCodec.restoreTensors(loaded, model, null);
    }
}
