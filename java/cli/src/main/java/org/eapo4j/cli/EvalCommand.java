package org.eapo4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.eapo4j.data.QaDataset;
import org.eapo4j.train.RlConfig;
import org.eapo4j.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a checkpoint on a data file: mean and best-of-G reward, diversity; prints JSON.")
public final class EvalCommand implements Callable<Integer> {
    /** The RlConfig fields eval's flags set, for messages. */
    static final Map<String, String> FLAGS = Map.of("eval_samples", "--samples", "eval_questions", "--questions",
            "temperature", "--temperature", "config", "--checkpoint", "out", "--checkpoint");

    @Option(names = "--checkpoint", required = true, description = "checkpoint.bin of a run (or its folder)")
    Path checkpoint;
    @Option(names = "--data", description = "JSONL file or embedded name (default: the run's held-out set)")
    String data;
    @Option(names = "--samples", defaultValue = "8", description = "answers per question (G)") int samples;
    @Option(names = "--questions", defaultValue = "0", description = "first N questions, 0 = all") int questions;
    @Option(names = "--temperature", description = "sampling temperature (default: the run's)") Double temperature;
    @Option(names = "--seed", defaultValue = "7") long seed;

    @Override
    public Integer call() throws Exception {
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
            System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(m));
        }
        return 0;
    }
}
