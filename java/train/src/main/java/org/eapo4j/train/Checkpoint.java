package org.eapo4j.train;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.eapo4j.tensors.HostTensors;

/**
 * One checkpoint file: a JSON header (configs, tokenizer, trainer and schedule state) and named fp32 tensors
 * (model, optimizer moments, reference model). Written to a temporary file in the same folder, flushed to disk
 * and renamed over the old one, so a crash mid-write never leaves a torn checkpoint.
 */
public final class Checkpoint {
    private static final String MAGIC = "EAPO4J-CKPT-1";
    private static final ObjectMapper JSON = new ObjectMapper();

    public final ObjectNode header;
    public final Map<String, float[]> data;
    public final Map<String, long[]> shapes;

    private Checkpoint(ObjectNode header, Map<String, float[]> data, Map<String, long[]> shapes) {
        this.header = header;
        this.data = data;
        this.shapes = shapes;
    }

    public static void write(Path file, ObjectNode header, Map<String, Tensor> tensors) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (var fos = Files.newOutputStream(tmp);
                 DataOutputStream out = new DataOutputStream(new BufferedOutputStream(fos, 1 << 20))) {
                out.writeUTF(MAGIC);
                byte[] h = JSON.writeValueAsBytes(header);
                out.writeInt(h.length);
                out.write(h);
                out.writeInt(tensors.size());
                for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                    Tensor t = e.getValue();
                    out.writeUTF(e.getKey());
                    out.writeInt((int) t.dim());
                    for (int d = 0; d < t.dim(); d++) out.writeLong(t.size(d));
                    float[] f = HostTensors.toFloats(t.detach());
                    out.writeInt(f.length);
                    for (float x : f) out.writeFloat(x);
                }
                out.flush();
                if (fos instanceof java.io.FileOutputStream fo) fo.getFD().sync();
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + file, e);
        }
    }

    public static Checkpoint read(Path file) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20))) {
            String magic = in.readUTF();
            if (!MAGIC.equals(magic)) throw new IOException("not an eapo4j checkpoint: " + file);
            byte[] h = new byte[in.readInt()];
            in.readFully(h);
            ObjectNode header = (ObjectNode) JSON.readTree(new String(h, StandardCharsets.UTF_8));
            int n = in.readInt();
            Map<String, float[]> data = new LinkedHashMap<>();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                long[] shape = new long[in.readInt()];
                for (int d = 0; d < shape.length; d++) shape[d] = in.readLong();
                float[] f = new float[in.readInt()];
                for (int j = 0; j < f.length; j++) f[j] = in.readFloat();
                data.put(name, f);
                shapes.put(name, shape);
            }
            return new Checkpoint(header, data, shapes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + file, e);
        }
    }

    /** Copies the stored tensors {@code prefix + name} into the given live tensors (which must all be present). */
    public void loadInto(String prefix, Map<String, Tensor> targets) {
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : targets.entrySet()) {
                String key = prefix + e.getKey();
                float[] f = data.get(key);
                if (f == null) throw new IllegalStateException("checkpoint lacks tensor '" + key + "'");
                try (Tensor src = HostTensors.fromFloats(f, shapes.get(key))) {
                    e.getValue().copy_(src);
                }
            }
        }
    }

    public boolean has(String key) {
        return data.containsKey(key);
    }
}
