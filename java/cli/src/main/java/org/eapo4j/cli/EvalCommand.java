package org.eapo4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.eapo4j.data.PromptDataset;
import org.eapo4j.data.PromptRecord;
import org.eapo4j.data.QaDataset;
import org.eapo4j.hf.HfModels;
import org.eapo4j.hf.HfTokenizer;
import org.eapo4j.model.CausalLM;
import org.eapo4j.train.AtomicFiles;
import org.eapo4j.train.ConfigException;
import org.eapo4j.train.RlTrainer;
import org.eapo4j.train.RlConfig;
import org.eapo4j.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a checkpoint on a data file: mean and best-of-G reward, diversity; prints JSON.")
public final class EvalCommand implements Callable<Integer> {
    /** The RlConfig fields eval's flags set, for messages. */
    static final Map<String, String> FLAGS = Map.of("eval_samples", "--samples", "eval_questions", "--questions",
            "temperature", "--temperature", "config", "--checkpoint", "out", "--checkpoint", "checkpoint", "--checkpoint", "task", "--task");

    @Option(names = "--checkpoint", description = "checkpoint.bin of a built-in-model run (or its folder)")
    Path checkpoint;
    @Option(names = "--model", description = "a Hugging Face model folder (e.g. <run>/hf-model of a --model run) "
            + "instead of a checkpoint") Path model;
    @Option(names = "--task", description = "with --model: stories (default) or medqa") String task;
    @Option(names = "--data", description = "JSONL file or embedded name (default: the run's held-out set)")
    String data;
    @Option(names = "--samples", defaultValue = "8", description = "answers per question (G)") int samples;
    @Option(names = "--questions", defaultValue = "0", description = "first N questions, 0 = all") int questions;
    @Option(names = "--temperature", description = "sampling temperature (default: the run's)") Double temperature;
    @Option(names = "--seed", defaultValue = "7") long seed;
    @Option(names = "--out", paramLabel = "FILE", description = "also write the JSON to FILE (all or nothing)")
    Path outFile;

    @Override
    public Integer call() throws Exception {
        if ((checkpoint == null) == (model == null))
            throw new ConfigException("checkpoint", "give --checkpoint (a built-in-model run) or --model (a Hugging "
                    + "Face folder), one of them");
        if (model != null) return evaluateModel();
        if (task != null) throw new ConfigException("task", "--task goes with --model");
        Path file = Files.isDirectory(checkpoint) ? checkpoint.resolve(Trainer.CHECKPOINT) : checkpoint;
        try (Trainer t = Trainer.load(file)) {
            // eval's settings go through the same validation as training's
            RlConfig c = t.config().copy();
            c.evalSamples = samples;
            c.evalQuestions = questions;
            if (temperature != null) c.temperature = temperature;
            c.validate();
            QaDataset d = data == null ? t.heldoutData() : QaDataset.load(data);
            Map<String, Object> m = t.evaluateOn(d, questions, samples, c.sampling(), seed);
            m.put("checkpoint", file.toString());
            m.put("data", d.source());
            m.put("rl_step", t.currentStep());
            print(m);
        }
        return 0;
    }

    /** --model: the task's held-out set (or --data in the task's format), the task's reward; JSON on stdout. */
    private int evaluateModel() throws Exception {
        ModelTraining.Task t = ModelTraining.Task.parse(task == null ? "stories" : task);
        RlConfig c = t.defaults();
        c.evalSamples = samples;
        c.evalQuestions = questions;
        if (temperature != null) c.temperature = temperature;
        c.validate();
        PromptDataset d = ModelTraining.load(data == null ? t.heldout : data, t);
        List<PromptRecord> records = questions > 0 && questions < d.size() ? d.records().subList(0, questions) : d.records();
        try (CausalLM policy = HfModels.load(model); HfTokenizer tok = HfTokenizer.load(model)) {
            Map<String, Object> m = new LinkedHashMap<>(RlTrainer.evaluate(policy, tok, records, t.rewards(),
                    t.stopIds(tok), samples, c.sampling(), seed));
            m.put("model", model.toString());
            m.put("data", d.source());
            print(m);
        }
        return 0;
    }

    /** The JSON on stdout and, with --out, into the file (temporary file, then renamed over it). */
    private void print(Map<String, Object> m) throws Exception {
        String json = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(m);
        if (outFile != null) AtomicFiles.writeString(outFile, json + System.lineSeparator());
        System.out.println(json);
    }
}
