package org.eapo4j.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.eapo4j.data.QaDataset;
import org.eapo4j.model.SamplingConfig;
import org.eapo4j.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a checkpoint on a data file: mean and best-of-G reward, diversity; prints JSON.")
public final class EvalCommand implements Callable<Integer> {
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
        Path file = checkpoint.toFile().isDirectory() ? checkpoint.resolve(Trainer.CHECKPOINT) : checkpoint;
        try (Trainer t = Trainer.load(file)) {
            QaDataset d = data == null ? t.heldoutData() : QaDataset.load(data);
            SamplingConfig s = t.sampling();
            if (temperature != null) s = new SamplingConfig(temperature, s.topK(), s.topP(), s.maxNewTokens());
            Map<String, Object> m = t.evaluateOn(d, questions, samples, s, seed);
            m.put("checkpoint", file.toString());
            m.put("data", d.source());
            m.put("rl_step", t.currentStep());
            System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(m));
        }
        return 0;
    }
}
