package org.eapo4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;

import org.bytedeco.pytorch.global.torch;
import org.eapo4j.data.WordTokenizer;
import org.eapo4j.hf.EmbeddedModels;
import org.eapo4j.hf.HfModels;
import org.eapo4j.hf.HfTokenizer;
import org.eapo4j.model.CausalLM;
import org.eapo4j.model.ModelConfig;
import org.eapo4j.model.Tokenizer;
import org.eapo4j.model.TransformerLM;
import org.eapo4j.task.MedqaTask;
import org.eapo4j.task.StoriesTask;
import org.eapo4j.task.Task;
import org.eapo4j.train.ConfigException;
import org.eapo4j.train.ResumePolicy;
import org.eapo4j.train.RlConfig;
import org.eapo4j.train.StoredRun;

/**
 * The pieces of a CLI run, made from the flags or from a stored run: the task, the policy and its tokenizer, and the
 * settings (the task's defaults, then --config, then the flags). The model follows the task unless --model names
 * one: stories trains the shipped stories260K, medqa the built-in transformer from scratch (its size flags apply).
 * Owns the policy and the tokenizer it loaded.
 */
final class RunSetup implements AutoCloseable {
    /** The {@code model_name_or_path} of the built-in transformer. */
    static final String BUILTIN = "builtin";

    final Task task;
    final CausalLM policy;
    final Tokenizer tokenizer;
    final RlConfig config;
    private final AutoCloseable tokenizerOwner;

    private RunSetup(Task task, CausalLM policy, Tokenizer tokenizer, AutoCloseable tokenizerOwner, RlConfig config) {
        this.task = task;
        this.policy = policy;
        this.tokenizer = tokenizer;
        this.tokenizerOwner = tokenizerOwner;
        this.config = config;
    }

    /** A new run: --task (default stories), --model (default: the task's model), the flags over the task's defaults. */
    static RunSetup fresh(String taskName, Path model, TrainOptions opts) {
        String name = taskName == null ? StoriesTask.NAME : taskName;
        boolean builtin = model == null && MedqaTask.NAME.equals(name);
        RlConfig cfg = freshConfig(taskName, model, opts);
        Task task = task(name, cfg.trainData, cfg.heldoutData, builtin);
        WordTokenizer words = builtin ? ((MedqaTask) task).wordTokenizer() : null;
        return open(task, cfg, builtin ? opts.builtinModel(words.size()) : null, words, model);
    }

    /** The validated settings of a new run (the flags over the task's defaults), without loading anything big. */
    static RlConfig freshConfig(String taskName, Path model, TrainOptions opts) {
        String name = taskName == null ? StoriesTask.NAME : taskName;
        boolean builtin = model == null && MedqaTask.NAME.equals(name);
        if (!builtin) opts.refuseBuiltinOnly(model == null ? "--task " + name + " trains the shipped stories260K"
                : "a --model run takes its size from the model folder");
        if (builtin) opts.builtinModel(2);   // the size flags' own checks
        RlConfig defaults = switch (name) {
            case StoriesTask.NAME -> StoriesTask.defaultSettings();
            case MedqaTask.NAME -> builtin ? MedqaTask.builtinDefaults() : MedqaTask.pretrainedDefaults();
            default -> throw unknownTask(name);
        };
        RlConfig cfg = opts.applyOver(defaults);
        cfg.modelNameOrPath = builtin ? BUILTIN : model == null ? EmbeddedModels.STORIES_260K : model.toString();
        return cfg;
    }

    /** The run stored in {@code dir}, with the flags that a resume may change applied (checked by the trainer). */
    static RunSetup resumed(Path dir, String taskName, Path model, TrainOptions opts) {
        StoredRun stored = StoredRun.read(dir);
        RlConfig cfg = opts.applyOver(stored.config());
        if (taskName != null && !taskName.equals(cfg.task))
            throw new ConfigException("task", dir + " trained task '" + cfg.task + "'; a resumed run keeps its task");
        boolean builtin = stored.isBuiltinModelRun();
        if (builtin) refuseShapeChanges(dir, stored.builtinModel(), opts.builtinModel(stored.builtinModel()));
        else opts.refuseBuiltinOnly("the run trained " + cfg.modelNameOrPath);
        if (cfg.task.isEmpty())
            throw new ConfigException("task", dir + " was trained on a task of a program (no task name stored): "
                    + "resume it through RlTrainer");
        Path m = model != null ? model : builtin || cfg.modelNameOrPath.isEmpty() ? null
                : EmbeddedModels.resolve(cfg.modelNameOrPath);
        if (!builtin && m == null)
            throw new ConfigException("model", dir + " does not say which model it trained: give --model");
        Task task = task(cfg.task, cfg.trainData, cfg.heldoutData, builtin);
        return open(task, cfg, builtin ? stored.builtinModel() : null, builtin ? stored.wordTokenizer() : null, m);
    }

    /** The built-in model's shape is fixed by its stored weights: a size flag may not change it. */
    private static void refuseShapeChanges(Path dir, ModelConfig stored, ModelConfig requested) {
        java.util.List<ResumePolicy.Change> c = new java.util.ArrayList<>();
        int[][] pairs = {{stored.dModel(), requested.dModel()}, {stored.layers(), requested.layers()},
                {stored.heads(), requested.heads()}, {stored.dFf(), requested.dFf()},
                {stored.maxLen(), requested.maxLen()}};
        String[] names = {"d_model", "layers", "heads", "d_ff", "max_len"};
        for (int i = 0; i < names.length; i++)
            if (pairs[i][0] != pairs[i][1])
                c.add(new ResumePolicy.Change(names[i], Integer.toString(pairs[i][0]), Integer.toString(pairs[i][1])));
        if (!c.isEmpty()) throw new ResumePolicy.Conflict(dir, c);
    }

    /** The task of that name; medqa in its built-in-model form (with warm-up) when {@code builtin}. */
    static Task task(String name, String train, String heldout, boolean builtin) {
        if (StoriesTask.NAME.equals(name)) return new StoriesTask(train, heldout);
        if (MedqaTask.NAME.equals(name))
            return builtin ? MedqaTask.forBuiltinModel(train, heldout) : MedqaTask.forPretrainedModel(train, heldout);
        throw unknownTask(name);
    }

    private static ConfigException unknownTask(String name) {
        return new ConfigException("task", "unknown task '" + name + "': stories or medqa");
    }

    private static RunSetup open(Task task, RlConfig cfg, ModelConfig builtinShape, WordTokenizer words, Path model) {
        if (builtinShape != null) {
            torch.manual_seed(cfg.seed);   // the built-in model's initial weights are a function of the seed
            return new RunSetup(task, new TransformerLM(builtinShape), words.asTokenizer(), null, cfg);
        }
        Path dir = model != null ? model : EmbeddedModels.stories260K();
        if (!Files.isDirectory(dir)) throw new ConfigException("model", "no such model folder: " + dir);
        cfg.deviceSpec().require().close();   // one line when this LibTorch lacks the device, before loading
        CausalLM policy = HfModels.load(dir, null, cfg.deviceSpec().toString());
        HfTokenizer tok;
        try {
            tok = HfTokenizer.load(dir);
        } catch (RuntimeException e) {
            policy.close();
            throw e;
        }
        return new RunSetup(task, policy, tok, tok, cfg);
    }

    @Override
    public void close() throws Exception {
        policy.close();
        if (tokenizerOwner != null) tokenizerOwner.close();
    }
}
