package org.eapo4j.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

import org.eapo4j.dist.DistContext;
import org.eapo4j.report.RunPlotsCallback;
import org.eapo4j.train.ConfigException;
import org.eapo4j.train.RlConfig;
import org.eapo4j.train.RunFolder;
import org.eapo4j.train.RunLoop;
import org.eapo4j.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Warm-up + RL on the embedded task (or your data). Writes metrics.jsonl, plots (PNG), "
                + "checkpoint.bin and summary.json into one folder; rerun with --resume DIR to continue it.")
public final class TrainCommand implements Callable<Integer> {
    @Mixin TrainOptions opts = new TrainOptions();
    @Option(names = "--out", description = "output folder (default runs/<weighting>-<timestamp>); a run already "
            + "there is resumed") Path out;
    @Option(names = "--resume", description = "continue the run in this folder from its checkpoint (flags may change "
            + "only --steps, evaluation and checkpoint cadence, --threads)") Path resume;
    @Option(names = "--init-from", description = "start RL from this (warm-up) checkpoint, skipping the warm-up")
    Path initFrom;
    @Option(names = "--no-progress", description = "plain log lines instead of a progress bar") boolean noProgress;
    @Option(names = "--model", description = "RL from this Hugging Face model folder (Llama, Mistral, Qwen2, Qwen3) "
            + "instead of the built-in model; the fine-tuned model is saved under <out>/hf-model") Path model;
    @Option(names = "--task", description = "with --model: the embedded task, stories (default) or medqa")
    String task;
    @Option(names = "--nproc", description = "data-parallel worker processes on this machine (default 1); each rolls "
            + "out its share of the prompt groups, gradients are all-reduced (see docs/TRAINING.md, Several processes)")
    Integer nproc;

    @Override
    public Integer call() {
        if (task != null && model == null)
            throw new ConfigException("task", "--task chooses the task of a --model run; the built-in model trains on "
                    + "--train-data / --heldout-data (default medqa)");
        if (model != null) {
            if (initFrom != null)
                throw new ConfigException("init_from", "--init-from is a built-in-model checkpoint; with --model the "
                        + "run starts from the model folder");
            if (nproc != null && nproc > 1)
                throw new ConfigException("nproc", "--nproc runs the built-in-model trainer on several processes; a "
                        + "--model run (RlTrainer) uses one process so far");
            ModelTraining.run(model, task == null ? "stories" : task, opts, resume != null ? resume : out,
                    !noProgress && System.console() != null, System.out);
            return 0;
        }
        if (resume != null && out != null && !resume.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize()))
            throw new ConfigException("resume", resume + " and --out " + out + " name different folders");
        if (resume != null && initFrom != null)
            throw new ConfigException("init_from", "--resume continues a run; --init-from starts a new one: give one of them");
        Path existing = resume != null ? resume : out != null && new RunFolder(out).hasCheckpoint() ? out : null;
        if (nproc != null) {
            RlConfig cfg = existing == null ? opts.build() : null;   // bad flags fail here, before any worker starts
            TrainLauncher.check(nproc, cfg);
            if (nproc > 1) {
                Path dir = existing != null || out != null ? null
                        : RunLoop.defaultOut(cfg.weighting.replace(':', '_').replace(',', '_'));   // one for all ranks
                return TrainLauncher.launch(nproc, dir);
            }
        }
        try (DistContext dist = TrainLauncher.openContext()) {
            return run(existing, dist, TrainLauncher.consoleOf(dist));
        }
    }

    /** The run as this process's rank of {@code dist} (one process: the whole run); {@code con} its console. */
    private int run(Path existing, DistContext dist, PrintStream con) {
        Trainer t;
        if (existing != null) {
            if (!new RunFolder(existing).hasCheckpoint())
                throw new ConfigException("resume", existing + ": no " + Trainer.CHECKPOINT + " there");
            if (initFrom != null)
                throw new ConfigException("init_from", "--out " + existing + " holds a run already; --init-from starts a "
                        + "new one: give another --out");
            t = Trainer.resume(existing, opts::applyOver, dist);
            con.println("resuming " + existing + " at RL step " + t.currentStep());
            t.resumeChanges().forEach(c -> con.println("  changed on resume: "
                    + TrainOptions.FLAGS.getOrDefault(c.field(), c.field()) + " " + c.from() + " -> " + c.to()));
            if (t.finished()) {
                con.printf("run %s is already finished (%d of %d RL steps); raise --steps to continue it%n",
                        existing, t.currentStep(), t.config().steps);
                t.close();
                return 0;
            }
        } else {
            RlConfig cfg = opts.build();
            Path dir = out != null ? out : RunLoop.defaultOut(cfg.weighting.replace(':', '_').replace(',', '_'));
            t = initFrom != null ? Trainer.fromWarmup(cfg, dir, initFrom, dist) : Trainer.open(cfg, dir, dist);
        }
        if (dist.isMaster()) t.warnings().forEach(w -> System.err.println("eapo4j: warning: " + w));
        con.println("output folder: " + t.outDir().toAbsolutePath()
                + (dist.isDistributed() ? " (" + dist.worldSize() + " processes)" : ""));
        long t0 = System.nanoTime();
        try (t) {
            RunLoop loop = new RunLoop(t, !noProgress && System.console() != null && dist.isMaster()
                    ? TerminalProgress.FACTORY : null, con, 10);
            if (dist.isMaster()) loop.addCallback(new RunPlotsCallback(t.outDir()));
            Map<String, Object> s = loop.run();
            if (!dist.isMaster()) return 0;
            System.out.printf("done in %.0f s: metrics %s, plots *.png, checkpoint %s%n",
                    (System.nanoTime() - t0) / 1e9, t.metricsPath(), t.checkpointPath());
            printSummary(s);
        }
        return 0;
    }

    @SuppressWarnings("unchecked")
    static void printSummary(Map<String, Object> s) {
        for (String k : new String[] {"eval_init", "eval_facts", "eval_warmup", "eval_final"}) {
            Map<String, Object> e = (Map<String, Object>) s.get(k);
            if (e == null) continue;
            System.out.printf("  %-12s held-out reward %.3f  best-of-G %.3f  train-question reward %.3f%n", k,
                    ((Number) e.get("heldout_reward_mean")).doubleValue(),
                    ((Number) e.get("heldout_best_of_g")).doubleValue(),
                    e.get("train_reward_mean") == null ? Double.NaN : ((Number) e.get("train_reward_mean")).doubleValue());
        }
    }
}
