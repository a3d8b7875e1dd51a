package org.eapo4j.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.Callable;

import org.eapo4j.parallel.DistContext;
import org.eapo4j.report.RunPlotsCallback;
import org.eapo4j.train.ConfigException;
import org.eapo4j.train.RlConfig;
import org.eapo4j.train.RlTrainer;
import org.eapo4j.train.StoredRun;
import org.eapo4j.train.RunFolder;
import org.eapo4j.train.RunSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true, modelTransformer = TrainOptions.Transformer.class,
        description = "RL fine-tuning (EAPO by default) of the shipped stories260K on the stories task, or of your "
                + "--model, or (--task medqa) of the built-in model after its warm-up. Writes metrics.jsonl, plots "
                + "(PNG), checkpoint.bin and summary.json into one folder; rerun with --resume DIR to continue it.")
public final class TrainCommand implements Callable<Integer> {
    @Mixin TrainOptions opts = new TrainOptions();
    @Option(names = "--out", description = "output folder (default runs/<task>-<weighting>-<timestamp>); a run "
            + "already there is resumed") Path out;
    @Option(names = "--resume", description = "continue the run in this folder from its checkpoint (flags may change "
            + "only --steps, evaluation and checkpoint cadence, --threads)") Path resume;
    @Option(names = "--init-from", description = "start RL from this (warm-up) checkpoint, skipping the warm-up")
    Path initFrom;
    @Option(names = "--no-progress", description = "plain log lines instead of a progress bar") boolean noProgress;
    @Option(names = "--model", description = "a Hugging Face model folder (Llama, Mistral, Qwen2, Qwen3) to fine-tune "
            + "instead of the task's model; the fine-tuned model is saved under <out>/hf-model") Path model;
    @Option(names = "--task", description = "stories (default: the shipped stories260K) or medqa (the built-in "
            + "model with its warm-up, or --model)") String task;
    @Option(names = "--nproc", description = "data-parallel worker processes on this machine (default 1); each rolls "
            + "out its share of the prompt groups, gradients are summed (see docs/TRAINING.md, Several processes)")
    Integer nproc;

    @Override
    public Integer call() throws Exception {
        if (resume != null && out != null && !resume.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize()))
            throw new ConfigException("resume", resume + " and --out " + out + " name different folders");
        if (resume != null && initFrom != null)
            throw new ConfigException("init_from", "--resume continues a run; --init-from starts a new one: give one of them");
        Path existing = resume != null ? resume : out != null && new RunFolder(out).hasCheckpoint() ? out : null;
        if (resume != null && !new RunFolder(resume).hasCheckpoint())
            throw new ConfigException("resume", resume + ": no " + RunFolder.CHECKPOINT + " there");
        if (existing != null && initFrom != null)
            throw new ConfigException("init_from", "--out " + existing + " holds a run already; --init-from starts a "
                    + "new one: give another --out");
        if (nproc != null) {
            TrainLauncher.check(nproc, null);
            if (nproc > 1) {   // bad flags fail here, before any worker starts
                RlConfig cfg = existing != null ? opts.applyOver(StoredRun.read(existing).config())
                        : RunSetup.freshConfig(task, model, opts);
                TrainLauncher.check(nproc, cfg);
                Path dir = existing != null || out != null ? null : defaultOut(cfg.task, cfg.weighting);   // one for all
                return TrainLauncher.launch(nproc, dir);
            }
        }
        try (DistContext dist = TrainLauncher.openContext()) {
            return run(existing, dist, TrainLauncher.consoleOf(dist));
        }
    }

    static Path defaultOut(String task, String weighting) {
        String ts = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        return Path.of("runs", task + "-" + weighting.replace(':', '_').replace(',', '_') + "-" + ts);
    }

    /** The run as this process's rank of {@code dist} (one process: the whole run); {@code con} its console. */
    private int run(Path existing, DistContext dist, PrintStream con) throws Exception {
        try (RunSetup s = existing != null ? RunSetup.resumed(existing, task, model, opts) : RunSetup.fresh(task, model, opts)) {
            Path dir = existing != null ? existing : out != null ? out : defaultOut(s.config.task, s.config.weighting);
            boolean bar = !noProgress && System.console() != null && dist.isMaster();
            RlTrainer.Builder b = RlTrainer.builder().policy(s.policy).tokenizer(s.tokenizer).task(s.task)
                    .config(s.config).outputDir(dir).log(con).progress(bar ? TerminalProgress.FACTORY : null)
                    .parallel(dist).callback(new RunPlotsCallback(dir));   // rank 0 only: RlTrainer
            if (initFrom != null) b.initFrom(initFrom);
            try (RlTrainer t = b.build()) {
                t.open();
                if (existing != null) {
                    con.println("resuming " + existing + " at RL step " + t.currentStep());
                    t.resumeChanges().forEach(c -> con.println("  changed on resume: "
                            + TrainOptions.FLAGS.getOrDefault(c.field(), c.field()) + " " + c.from() + " -> " + c.to()));
                    if (t.finished()) {
                        con.printf("run %s is already finished (%d of %d RL steps); raise --steps to continue it%n",
                                existing, t.currentStep(), t.config().steps);
                        return 0;
                    }
                }
                if (dist.isMaster()) t.warnings().forEach(w -> System.err.println("eapo4j: warning: " + w));
                con.println("output folder: " + dir.toAbsolutePath()
                        + (dist.isDistributed() ? " (" + dist.worldSize() + " processes)" : ""));
                con.println("task " + s.config.task + ", model " + s.config.modelNameOrPath + ", weighting "
                        + s.config.weighting + ", seed " + s.config.seed);
                RunSummary sum = t.train();
                if (!dist.isMaster()) return 0;
                con.printf("done in %.0f s: %d RL steps; metrics %s, plots *.png, checkpoint %s%s%n",
                        sum.wallSecondsThisSession(), sum.rlSteps(), dir.resolve(RunFolder.METRICS),
                        dir.resolve(RunFolder.CHECKPOINT), sum.hfModelDir() == null ? ""
                                : ", fine-tuned model " + sum.hfModelDir());
                printSummary(con, sum);
            }
        }
        return 0;
    }

    static void printSummary(PrintStream con, RunSummary s) {
        for (Map.Entry<String, Map<String, Object>> e : s.evaluations().entrySet()) {
            Map<String, Object> m = e.getValue();
            con.printf("  %-12s held-out reward %.3f  best-of-G %.3f  train-prompt reward %.3f%n", "eval_" + e.getKey(),
                    num(m, "heldout_reward_mean"), num(m, "heldout_best_of_g"), num(m, "train_reward_mean"));
        }
    }

    private static double num(Map<String, Object> m, String k) {
        return m.get(k) instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
