package org.eapo4j.train;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.dist.DistContext;
import org.eapo4j.tensors.HostTensors;

/**
 * One rank of {@link DataParallelTest} (started with the torchrun variables by {@code LocalLauncher}): runs each
 * of {@link DataParallelTest#configs()} to the end in {@code <dir>/<name>-world<W>} through {@link RunLoop}, then
 * writes its final parameters to {@code <name>-world<W>-rank<R>.params} (name, element count, floats).
 */
public final class DataParallelWorker {
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        try (DistContext dist = DistContext.fromEnvironment()) {
            for (Map.Entry<String, RlConfig> e : DataParallelTest.configs().entrySet()) {
                String run = e.getKey() + "-world" + dist.worldSize();
                try (Trainer t = Trainer.open(e.getValue(), dir.resolve(run), dist)) {
                    new RunLoop(t, null, System.out, 1).run();
                    write(t, dir.resolve(run + "-rank" + dist.rank() + ".params"));
                }
            }
        }
    }

    private static void write(Trainer t, Path file) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            for (Map.Entry<String, Tensor> p : t.policy().namedParameters().entrySet()) {
                float[] v = HostTensors.toFloats(p.getValue());
                out.writeUTF(p.getKey());
                out.writeInt(v.length);
                for (float x : v) out.writeFloat(x);
            }
        }
    }
}
