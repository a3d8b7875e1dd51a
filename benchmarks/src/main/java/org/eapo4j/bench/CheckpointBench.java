package org.eapo4j.bench;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.hf.TensorChannels;
import org.eapo4j.train.Checkpoint;

/**
 * Checkpoint speed (issue 24): a bf16 tensor set of a 0.6B-parameter model (596M parameters, 1.19 GB, in 7 big
 * tensors shaped like Qwen3-0.6B's embedding and its 28 layers' projections stacked), saved with
 * {@code Checkpoint.write} (synced to disk) and loaded with {@code Checkpoint.read} + {@code loadInto}, against a plain
 * FileChannel write (synced) and read of the same bytes from the same memory. Usage: {@code CheckpointBench DIR
 * [repeats]}. benchmarks/checkpoint-io.sh runs it twice, the second time with the previous format's Checkpoint class
 * first on the class path, so the same code times both formats.
 */
public final class CheckpointBench {
    private static final long MB = 1_000_000;

    private CheckpointBench() {}

    static Map<String, Tensor> bf16Model(boolean random) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("embed", new long[] {151936, 1024});
        shapes.put("q", new long[] {28, 2048, 1024});
        shapes.put("k", new long[] {28, 1024, 1024});
        shapes.put("v", new long[] {28, 1024, 1024});
        shapes.put("o", new long[] {28, 1024, 2048});
        shapes.put("gate_up", new long[] {28, 6144, 1024});
        shapes.put("down", new long[] {28, 1024, 3072});
        Map<String, Tensor> t = new LinkedHashMap<>();
        try (TensorOptions o = new TensorOptions(ScalarType.BFloat16)) {
            shapes.forEach((k, s) -> t.put(k, random ? torch.randn(s, o) : torch.empty(s, o, null)));
        }
        return t;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Files.createDirectories(dir);
        Map<String, Tensor> model = bf16Model(true), live = bf16Model(false);
        long bytes = 0;
        for (Tensor t : model.values()) bytes += TensorChannels.byteLength(t);
        String format = magic();
        System.out.printf("%d tensors, %.1f MB bf16; Checkpoint %s%n", model.size(), bytes / (double) MB, format);
        ObjectNode header = new ObjectMapper().createObjectNode().put("bench", "issue 24");
        Path plain = dir.resolve("plain.bin"), ck = dir.resolve("checkpoint.bin");
        for (int r = 0; r < repeats; r++) {
            report("plain FileChannel write + fsync", bytes, time(() -> plainWrite(plain, model)), bytes);
            report("plain FileChannel read", bytes, time(() -> plainRead(plain, live)), bytes);
            Files.delete(plain);
            report(format + " Checkpoint.write", bytes, time(() -> Checkpoint.write(ck, header, model)),
                    Files.size(ck));
            Checkpoint[] read = new Checkpoint[1];
            double verify = time(() -> read[0] = Checkpoint.read(ck));
            double load = time(() -> loadInto(read[0], ck, live));
            report(format + " Checkpoint.read", bytes, verify, Files.size(ck));
            report(format + " loadInto", bytes, load, Files.size(ck));
            report(format + " Checkpoint.read + loadInto", bytes, verify + load, Files.size(ck));
            Files.delete(ck);
        }
    }

    private static void plainWrite(Path file, Map<String, Tensor> tensors) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (Tensor t : tensors.values()) TensorChannels.write(ch, t, 4 << 20, null);
            ch.force(true);
        }
    }

    private static void plainRead(Path file, Map<String, Tensor> into) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long at = 0;
            for (Tensor t : into.values()) {
                TensorChannels.read(ch, at, t, 4 << 20, null);
                at += TensorChannels.byteLength(t);
            }
        }
    }

    /** Checkpoint.loadInto, which in format 2 also took the file (found by reflection to run with either). */
    private static void loadInto(Checkpoint c, Path file, Map<String, Tensor> into) throws ReflectiveOperationException {
        for (Method m : Checkpoint.class.getMethods()) {
            if (!m.getName().equals("loadInto")) continue;
            m.invoke(c, m.getParameterCount() == 2 ? new Object[] {"", into} : new Object[] {"", into, file});
            return;
        }
        throw new IllegalStateException("no Checkpoint.loadInto");
    }

    private static String magic() throws ReflectiveOperationException {
        Field f = Checkpoint.class.getDeclaredField("MAGIC");
        f.setAccessible(true);
        return (String) f.get(null);
    }

    interface Step {
        void run() throws Exception;
    }

    private static double time(Step s) throws Exception {
        long t0 = System.nanoTime();
        s.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void report(String what, long bytes, double seconds, long fileSize) {
        System.out.printf("%-42s %7.2f s  %7.0f MB/s  file %7.1f MB%n", what, seconds, bytes / (double) MB / seconds,
                fileSize / (double) MB);
    }
}
