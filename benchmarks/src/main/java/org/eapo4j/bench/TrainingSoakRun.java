package org.eapo4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.eapo4j.train.RlConfig;
import org.bytedeco.pytorch.global.torch;
import org.eapo4j.data.WordTokenizer;
import org.eapo4j.model.ModelConfig;
import org.eapo4j.model.TransformerLM;
import org.eapo4j.task.MedqaTask;
import org.eapo4j.train.RlTrainer;
import org.eapo4j.train.TrainerCallback;

/**
 * Soak run of the trainer (benchmarks/soak-training.sh; not part of CI): {@code --steps} RL steps (default 500) of a tiny
 * built-in model on the embedded task, with evaluations and checkpoints on their usual cadence, sampling the
 * process's resident set size (VmRSS of /proc/self/status) and the Java heap every {@code --every} steps. A leak of
 * native tensors shows as RSS growing with the step count while the heap stays flat. Prints the samples and the
 * start / max / end figures and writes them to {@code soak.json} in the run folder.
 */
public final class TrainingSoakRun {
    private TrainingSoakRun() {}

    /** Resident set size of this process in MiB, from /proc/self/status (Linux). */
    static double rssMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot read VmRSS from /proc/self/status", e);
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    static double heapMiB() {
        Runtime r = Runtime.getRuntime();
        return (r.totalMemory() - r.freeMemory()) / (1024.0 * 1024.0);
    }

    public static void main(String[] args) throws IOException {
        int steps = 500, every = 25;
        Path out = Path.of("target", "soak-" + System.currentTimeMillis());
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--every" -> every = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (expected --steps N, --every N, --out DIR)");
            }
        }
        MedqaTask task = MedqaTask.forBuiltinModel("data/medqa/train.jsonl", "data/medqa/heldout.jsonl");
        RlConfig c = task.defaults();
        c.factWarmupSteps = 50;
        c.sftWarmupSteps = 50;
        c.sftWarmupBatch = 16;
        c.steps = steps;
        c.promptsPerStep = 4;
        c.numGenerations = 4;
        c.maxCompletionLength = 16;
        c.evalSteps = 100;
        c.evalQuestions = 8;
        c.trainEvalQuestions = 8;
        c.evalSamples = 2;
        c.saveSteps = 50;
        c.beta = 0.01;   // exercise the reference model too
        c.validate();

        List<Map<String, Object>> samples = new ArrayList<>();
        final int sampleEvery = every;
        long t0 = System.nanoTime();
        TrainerCallback probe = new TrainerCallback() {
            @Override
            public void onStep(Map<String, Object> m) {
                int step = ((Number) m.get("step")).intValue();
                if (step == 1 || step % sampleEvery == 0) {
                    Map<String, Object> s = new LinkedHashMap<>();
                    s.put("step", step);
                    s.put("rss_mib", rssMiB());
                    s.put("heap_mib", heapMiB());
                    s.put("elapsed_s", (System.nanoTime() - t0) / 1e9);
                    samples.add(s);
                    System.out.printf("step %5d  RSS %8.1f MiB  heap %7.1f MiB  %6.0f s%n", step,
                            (Double) s.get("rss_mib"), (Double) s.get("heap_mib"), (Double) s.get("elapsed_s"));
                }
            }
        };
        double rssStart = rssMiB();
        WordTokenizer words = task.wordTokenizer();
        torch.manual_seed(c.seed);
        try (TransformerLM model = new TransformerLM(new ModelConfig(words.size(), 32, 1, 2, 64, 96));
             RlTrainer t = RlTrainer.builder().policy(model).tokenizer(words.asTokenizer()).task(task).config(c)
                     .outputDir(out).log(System.out).callback(probe).build()) {
            t.train();
        }
        double max = samples.stream().mapToDouble(s -> (Double) s.get("rss_mib")).max().orElse(Double.NaN);
        double first = samples.isEmpty() ? Double.NaN : (Double) samples.get(0).get("rss_mib");
        double end = samples.isEmpty() ? Double.NaN : (Double) samples.get(samples.size() - 1).get("rss_mib");
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("steps", steps);
        report.put("config", c.toTree());
        report.put("rss_before_training_mib", rssStart);
        report.put("rss_first_step_mib", first);
        report.put("rss_max_mib", max);
        report.put("rss_end_mib", end);
        report.put("wall_s", (System.nanoTime() - t0) / 1e9);
        report.put("samples", samples);
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.resolve("soak.json").toFile(), report);
        System.out.printf("RSS: before training %.1f MiB, step 1 %.1f MiB, max %.1f MiB, end (step %d) %.1f MiB; "
                + "%.0f s; %s%n", rssStart, first, max, steps, end, (System.nanoTime() - t0) / 1e9,
                out.resolve("soak.json"));
    }
}
