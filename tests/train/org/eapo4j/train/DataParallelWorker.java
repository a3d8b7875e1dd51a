package org.eapo4j.train;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.parallel.DistContext;
import org.eapo4j.hf.EmbeddedModels;
import org.eapo4j.hf.HfModels;
import org.eapo4j.hf.HfTokenizer;
import org.eapo4j.model.CausalLM;
import org.eapo4j.task.StoriesTask;
import org.eapo4j.tensors.HostTensors;

/**
 * One rank of {@link DataParallelTest} (started with the torchrun variables by {@code LocalLauncher}): runs each
 * of {@link DataParallelTest#configs()} to the end in {@code <dir>/<name>-world<W>} through {@link RlTrainer} (the
 * built-in model on the stand-in medqa data, or the shipped stories260K for the {@code stories} runs), then writes
 * its final parameters to {@code <name>-world<W>-rank<R>.params} (name, element count, floats).
 */
public final class DataParallelWorker {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        try (DistContext dist = DistContext.fromEnvironment()) {
            for (Map.Entry<String, RlConfig> e : DataParallelTest.configs().entrySet()) {
                String run = e.getKey() + "-world" + dist.worldSize();
                Path params = dir.resolve(run + "-rank" + dist.rank() + ".params");
                if (e.getKey().startsWith("stories")) {
                    Path model = EmbeddedModels.stories260K();
                    try (CausalLM policy = HfModels.load(model); HfTokenizer tok = HfTokenizer.load(model);
                         RlTrainer t = RlTrainer.builder().policy(policy).tokenizer(tok).task(new StoriesTask())
                                 .config(e.getValue()).outputDir(dir.resolve(run)).parallel(dist).build()) {
                        t.train();
                        write(policy, params);
                    }
                } else {
                    RlTrainer.Builder b = EndToEndTest.builder(e.getValue(), dir.resolve(run)).parallel(dist);
                    try (RlTrainer t = b.build()) {
                        t.train();
                        write(t.policy(), params);
                    }
                }
            }
        }
    }

    private static void write(CausalLM policy, Path file) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            for (Map.Entry<String, Tensor> p : policy.namedParameters().entrySet()) {
                float[] v = HostTensors.toFloats(p.getValue());
                out.writeUTF(p.getKey());
                out.writeInt(v.length);
                for (float x : v) out.writeFloat(x);
            }
        }
    }
}
