package org.eapo4j.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.eapo4j.data.PromptDataset;
import org.eapo4j.data.PromptRecord;
import org.eapo4j.hf.EmbeddedModels;
import org.eapo4j.hf.HfModels;
import org.eapo4j.hf.HfTokenizer;
import org.eapo4j.model.CausalLM;
import org.eapo4j.model.Tokenizer;
import org.eapo4j.train.AtomicFiles;
import org.eapo4j.train.ConfigException;
import org.eapo4j.train.RlTrainer;
import org.eapo4j.train.RlConfig;
import org.eapo4j.train.StoredRun;
import org.eapo4j.task.MedqaTask;
import org.eapo4j.task.StoriesTask;
import org.eapo4j.task.Task;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a checkpoint on a data file: mean and best-of-G reward, diversity; prints JSON.")
public final class EvalCommand implements Callable<Integer> {
    /** The RlConfig fields eval's flags set, for messages. */
    static final Map<String, String> FLAGS = Map.of("eval_samples", "--samples", "eval_questions", "--questions",
            "temperature", "--temperature", "config", "--checkpoint", "out", "--checkpoint", "checkpoint", "--checkpoint", "task", "--task");

    @Option(names = "--checkpoint", description = "a run's checkpoint.bin (or its folder): its model, task and settings")
    Path checkpoint;
    @Option(names = "--model", description = "a Hugging Face model folder (e.g. <run>/hf-model of a --model run) "
            + "instead of a checkpoint") Path model;
    @Option(names = "--task", description = "with --model: stories (default) or medqa") String task;
    @Option(names = "--adapter", description = "with --model: a PEFT LoRA adapter folder (e.g. <run>/adapter) on "
            + "that base model") Path adapter;
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
            throw new ConfigException("checkpoint", "give --checkpoint (a run's folder or checkpoint.bin) or --model "
                    + "(a Hugging Face folder), one of them");
        if (checkpoint != null && task != null)
            throw new ConfigException("task", "--task goes with --model (a checkpoint knows its task)");
        if (adapter != null && model == null) throw new ConfigException("adapter", "--adapter goes with --model");
        if (model != null) {
            Task t = RunSetup.task(task == null ? StoriesTask.NAME : task, "", "", false);
            try (CausalLM policy = adapter == null ? HfModels.load(model) : HfModels.load(model, adapter, null, "cpu");
                 HfTokenizer tok = HfTokenizer.load(model)) {
                Map<String, Object> m = evaluate(t, t.defaults(), policy, tok);
                m.put("model", model.toString());
                print(m);
            }
            return 0;
        }
        StoredRun stored = StoredRun.read(checkpoint);
        RlConfig stc = stored.config();
        Task t = RunSetup.task(stc.task.isEmpty() ? MedqaTask.NAME : stc.task, stc.trainData, stc.heldoutData,
                stored.isBuiltinModelRun());
        if (stored.isBuiltinModelRun()) {
            try (CausalLM policy = stored.builtinPolicy()) {
                print(withRun(evaluate(t, stc, policy, stored.wordTokenizer().asTokenizer()), stored));
            }
        } else {
            if (stc.modelNameOrPath.isEmpty())
                throw new ConfigException("checkpoint", stored.file() + " does not say which model it trained; "
                        + "evaluate <run>/hf-model with --model");
            Path dir = EmbeddedModels.resolve(stc.modelNameOrPath);
            try (CausalLM policy = HfModels.load(dir); HfTokenizer tok = HfTokenizer.load(dir)) {
                if (stc.loraR > 0) HfModels.applyLora((org.eapo4j.hf.HfDecoder) policy, stc.loraConfig(), stc.seed);
                stored.loadPolicyInto(policy);   // the whole model, or its adapters
                print(withRun(evaluate(t, stc, policy, tok), stored));
            }
        }
        return 0;
    }

    /** The task's held-out set (or --data in the task's format) with the task's reward; eval's flags over {@code base}. */
    private Map<String, Object> evaluate(Task t, RlConfig base, CausalLM policy, Tokenizer tok) {
        RlConfig c = base.copy();   // eval's settings go through the same validation as training's
        c.evalSamples = samples;
        c.evalQuestions = questions;
        if (temperature != null) c.temperature = temperature;
        c.validate();
        PromptDataset d = data == null ? (t.evalPrompts() != null ? t.evalPrompts() : t.trainPrompts())
                : RunSetup.task(t.name(), data, data, false).trainPrompts();
        List<PromptRecord> records = questions > 0 && questions < d.size() ? d.records().subList(0, questions)
                : d.records();
        Map<String, Object> m = new LinkedHashMap<>(RlTrainer.evaluate(policy, tok, records, t.rewards(),
                t.stopIds(tok), samples, c.sampling(), seed));
        m.put("task", t.name());
        m.put("data", d.source());
        return m;
    }

    private static Map<String, Object> withRun(Map<String, Object> m, StoredRun stored) {
        m.put("checkpoint", stored.file().toString());
        m.put("rl_step", stored.rlStep());
        return m;
    }

    /** The JSON on stdout and, with --out, into the file (temporary file, then renamed over it). */
    private void print(Map<String, Object> m) throws Exception {
        String json = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(m);
        if (outFile != null) AtomicFiles.writeString(outFile, json + System.lineSeparator());
        System.out.println(json);
    }
}
