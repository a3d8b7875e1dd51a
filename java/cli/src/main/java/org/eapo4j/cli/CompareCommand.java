package org.eapo4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.eapo4j.report.CompareReport;
import org.eapo4j.report.RunPlotsCallback;
import org.eapo4j.train.RlTrainer;
import org.eapo4j.train.RunFolder;
import org.eapo4j.task.MedqaTask;
import org.eapo4j.model.TransformerLM;
import org.eapo4j.train.ConfigException;
import org.eapo4j.train.RlConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "compare", mixinStandardHelpOptions = true, modelTransformer = TrainOptions.Transformer.class,
        description = "Train a grid of weightings x seeds (one shared warm-up per seed) and write a markdown report "
                + "with a results table and plots. Rerunning with the same --out skips finished runs and resumes "
                + "interrupted ones.")
public final class CompareCommand implements Callable<Integer> {
    @Mixin TrainOptions opts = new TrainOptions();
    @Option(names = "--weightings", split = ",", defaultValue = "eapo,grpo,w-reinforce,psr,nsr",
            description = "comma-separated weightings (default: ${DEFAULT-VALUE})")
    List<String> weightings;
    @Option(names = "--seeds", split = ",", defaultValue = "1,2,3") List<Long> seeds;
    @Option(names = "--out", description = "grid folder (default runs/compare-<timestamp>)") Path out;
    @Option(names = "--report", description = "markdown file (default <out>/report.md)") Path report;
    @Option(names = "--plots", description = "folder for the report's PNGs (default <report dir>/results)")
    Path plots;

    @Override
    public Integer call() throws Exception {
        RlConfig base = RunSetup.freshConfig(MedqaTask.NAME, null, opts);   // settings only: no model, no data yet
        if (seeds.isEmpty() || weightings.isEmpty()) throw new ConfigException("weighting", "--weightings and --seeds "
                + "need at least one value each");
        for (String w : weightings) {   // every run's settings are valid before the first one starts
            RlConfig c = base.copy();
            c.weighting = w;
            c.validate();
        }
        Path root = out != null ? out : TrainCommand.defaultOut("compare", "grid");
        Path rep = report != null ? report : root.resolve("report.md");
        Path plotDir = plots != null ? plots : rep.toAbsolutePath().getParent().resolve("results");
        long t0 = System.nanoTime();
        System.out.println("grid folder: " + root.toAbsolutePath());
        for (long seed : seeds) {
            Path wd = CompareReport.warmupDir(root, seed);
            if (Files.exists(wd.resolve("summary.json"))) continue;
            RlConfig c = base.copy();
            c.seed = seed;
            c.steps = 0;
            System.out.printf("== warm-up, seed %d (%.0f s elapsed)%n", seed, (System.nanoTime() - t0) / 1e9);
            run(c, wd, null);
        }
        for (long seed : seeds)
            for (String w : weightings) {
                Path dir = CompareReport.runDir(root, w, seed);
                if (Files.exists(dir.resolve("summary.json"))) continue;
                RlConfig c = base.copy();
                c.seed = seed;
                c.weighting = w;
                System.out.printf("== %s, seed %d (%.0f s elapsed)%n", w, seed, (System.nanoTime() - t0) / 1e9);
                run(c, dir, Files.exists(dir.resolve(RunFolder.CHECKPOINT)) ? null
                        : CompareReport.warmupDir(root, seed).resolve(RunFolder.CHECKPOINT));
            }
        String command = commandLine();
        CompareReport.write(root, weightings, seeds, rep, plotDir, command, base);
        System.out.printf("report: %s (grid took %.0f s)%n", rep.toAbsolutePath(), (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    /** One run of the grid on the built-in model: fresh, resumed (its folder has a checkpoint) or from a warm-up. */
    private void run(RlConfig c, Path dir, Path initFrom) throws Exception {
        MedqaTask task = MedqaTask.forBuiltinModel(c.trainData, c.heldoutData);
        var words = task.wordTokenizer();
        org.bytedeco.pytorch.global.torch.manual_seed(c.seed);
        try (TransformerLM policy = new TransformerLM(opts.builtinModel(words.size()))) {
            RlTrainer.Builder b = RlTrainer.builder().policy(policy).tokenizer(words.asTokenizer()).task(task)
                    .config(c).outputDir(dir).log(System.out).callback(new RunPlotsCallback(dir));
            if (initFrom != null) b.initFrom(initFrom);
            try (RlTrainer t = b.build()) {
                t.train();
            }
        }
    }

    static String[] rawArgs = new String[0];

    private static String commandLine() {
        return "./eapo4j " + String.join(" ", rawArgs);
    }
}
