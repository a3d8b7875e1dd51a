package org.eapo4j.train;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.eapo4j.tensors.HostTensors;

/**
 * One checkpoint file: a JSON header (configs, tokenizer, trainer and schedule state) and named fp32 tensors
 * (model, optimizer moments, reference model), each part with a CRC-32C checksum that {@link #read} verifies, so
 * a flipped or truncated byte is reported as "checkpoint X is corrupt (which part)" instead of resuming from
 * garbage. Written through {@link AtomicFiles} (temporary file, flushed to disk, renamed over the old one), so a
 * crash mid-write never leaves a torn checkpoint.
 *
 * <p>Layout (big-endian): magic "EAPO4J-CKPT-2" (writeUTF), int header length, header bytes (UTF-8 JSON), long
 * CRC of the header; int tensor count; per tensor: name (writeUTF), int rank, long[rank] shape, int element count,
 * float32 elements, long CRC of name, shape and elements; long CRC of the whole file before it.
 */
public final class Checkpoint {
    static final String MAGIC = "EAPO4J-CKPT-2";
    private static final String OLD_MAGIC = "EAPO4J-CKPT-1";
    private static final int MAX_RANK = 8;
    private static final ObjectMapper JSON = new ObjectMapper();

    public final ObjectNode header;
    public final Map<String, float[]> data;
    public final Map<String, long[]> shapes;

    private Checkpoint(ObjectNode header, Map<String, float[]> data, Map<String, long[]> shapes) {
        this.header = header;
        this.data = data;
        this.shapes = shapes;
    }

    /** Elements of one tensor that fit a float32 Java byte array (Integer.MAX_VALUE / 4). */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE / 4;

    /** Writes atomically; an I/O failure leaves the previous file (if any) in place and no temporary file. */
    public static void write(Path file, ObjectNode header, Map<String, Tensor> tensors) {
        AtomicFiles.write(file, os -> {
            CRC32C whole = new CRC32C();
            DataOutputStream out = new DataOutputStream(new CheckedOut(new BufferedOutputStream(os, 1 << 20), whole));
            out.writeUTF(MAGIC);
            byte[] h = JSON.writeValueAsBytes(header);
            out.writeInt(h.length);
            out.write(h);
            out.writeLong(crc(h));
            out.writeInt(tensors.size());
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                Tensor t = e.getValue();
                if (t.numel() > MAX_ELEMENTS)   // one float32 Java array per tensor (streamed checkpoints: issue 24)
                    throw new CheckpointException(file, "cannot hold tensor '" + e.getKey() + "' of " + t.numel()
                            + " elements: this format stores at most " + MAX_ELEMENTS + " per tensor");
                long[] shape = new long[(int) t.dim()];
                for (int d = 0; d < shape.length; d++) shape[d] = t.size(d);
                float[] f;
                try (Tensor det = t.detach()) {
                    f = HostTensors.toFloats(det);
                }
                byte[] body = tensorBytes(e.getKey(), shape, f);
                out.write(body);
                out.writeLong(crc(body));
            }
            out.flush();
            long total = whole.getValue();
            out.writeLong(total);
            out.flush();
        });
    }

    /**
     * Reads and verifies a checkpoint.
     *
     * @throws CheckpointException missing, not a checkpoint, truncated, or a part fails its checksum
     */
    public static Checkpoint read(Path file) {
        if (Files.isDirectory(file)) throw new CheckpointException(file, "is a directory, not a checkpoint file");
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file, "does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
        }
        CRC32C whole = new CRC32C();
        String part = "header";
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new CheckedIn(new BufferedInputStream(raw, 1 << 20), whole))) {
            String magic;
            try {
                magic = in.readUTF();
            } catch (IOException e) {
                throw new CheckpointException(file, "is not an eapo4j checkpoint (no header)");
            }
            if (OLD_MAGIC.equals(magic))
                throw new CheckpointException(file, "has the old format 1 (no checksums); this eapo4j reads format 2 "
                        + "only: retrain, or evaluate it with the eapo4j version that wrote it");
            if (!MAGIC.equals(magic)) throw new CheckpointException(file, "is not an eapo4j checkpoint");
            int hl = in.readInt();
            if (hl <= 0 || hl > size) throw corrupt(file, "header", "header length " + hl + " is impossible");
            byte[] h = new byte[hl];
            in.readFully(h);
            if (in.readLong() != crc(h)) throw corrupt(file, "header", "header checksum mismatch");
            JsonNode hn = JSON.readTree(new String(h, StandardCharsets.UTF_8));
            if (!(hn instanceof ObjectNode header)) throw corrupt(file, "header", "header is not a JSON object");
            int n = in.readInt();
            if (n < 0 || n > 100_000) throw corrupt(file, "tensor table", "tensor count " + n + " is impossible");
            Map<String, float[]> data = new LinkedHashMap<>();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                part = "tensor #" + i;
                String name = in.readUTF();
                part = "tensor '" + name + "' (" + role(name) + ")";
                int rank = in.readInt();
                if (rank < 0 || rank > MAX_RANK) throw corrupt(file, part, "rank " + rank + " is impossible");
                long[] shape = new long[rank];
                long elems = 1;
                for (int d = 0; d < rank; d++) {
                    shape[d] = in.readLong();
                    if (shape[d] < 0 || shape[d] > size) throw corrupt(file, part, "dimension " + shape[d]
                            + " is impossible");
                    elems *= shape[d];
                    if (elems > size) throw corrupt(file, part, "shape larger than the file");
                }
                int count = in.readInt();
                if (count != elems || 4L * count > size)
                    throw corrupt(file, part, count + " elements for a shape of " + elems);
                byte[] bytes = new byte[count * 4];
                in.readFully(bytes);
                byte[] body = tensorBytes(name, shape, bytes);
                if (in.readLong() != crc(body)) throw corrupt(file, part, "checksum mismatch");
                float[] f = new float[count];
                ByteBuffer.wrap(bytes).asFloatBuffer().get(f);
                if (data.put(name, f) != null) throw corrupt(file, part, "duplicate tensor name");
                shapes.put(name, shape);
            }
            part = "file trailer";
            long expected = whole.getValue();
            if (in.readLong() != expected) throw corrupt(file, "file", "whole-file checksum mismatch");
            if (in.read() != -1) throw corrupt(file, "file", "bytes after the end of the checkpoint");
            return new Checkpoint(header, data, shapes);
        } catch (EOFException e) {
            throw new CheckpointException(file, "is truncated (ends inside the " + part + ")");
        } catch (CheckpointException e) {
            throw e;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw corrupt(file, "header", "header is not JSON");
        } catch (AccessDeniedException e) {
            throw new UncheckedIOException("cannot read checkpoint " + file + ": permission denied", e);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot be read (" + part + "): " + e.getMessage(), e);
        }
    }

    /** What a tensor of this name belongs to, for messages. */
    static String role(String name) {
        if (name.startsWith("model.")) return "policy weights";
        if (name.startsWith("adamw.")) return "optimizer state";
        if (name.startsWith("ref.")) return "reference policy";
        return "unknown part";
    }

    static CheckpointException corrupt(Path file, String part, String detail) {
        return new CheckpointException(file, "is corrupt (" + part + ": " + detail + ")");
    }

    /** Copies the stored tensors {@code prefix + name} into the given live tensors (which must all be present). */
    public void loadInto(String prefix, Map<String, Tensor> targets, Path file) {
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : targets.entrySet()) {
                String key = prefix + e.getKey();
                float[] f = data.get(key);
                if (f == null) throw new CheckpointException(file, "lacks tensor '" + key + "' (" + role(key) + ")");
                long[] shape = shapes.get(key);
                Tensor live = e.getValue();
                boolean same = shape.length == live.dim();
                for (int d = 0; same && d < shape.length; d++) same = shape[d] == live.size(d);
                if (!same) throw new CheckpointException(file, "tensor '" + key + "' has shape "
                        + java.util.Arrays.toString(shape) + ", the model expects " + live.sizes().vec());
                try (Tensor src = HostTensors.fromFloats(f, shape)) {
                    live.copy_(src);
                }
            }
        }
    }

    public boolean has(String key) {
        return data.containsKey(key);
    }

    private static byte[] tensorBytes(String name, long[] shape, float[] f) {
        ByteBuffer b = ByteBuffer.allocate(f.length * 4);
        b.asFloatBuffer().put(f);
        return tensorBytes(name, shape, b.array());
    }

    /** The bytes a tensor's checksum covers: name, shape and element bytes. */
    private static byte[] tensorBytes(String name, long[] shape, byte[] elems) {
        byte[] nb = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(2 + nb.length + 4 + 8 * shape.length + 4 + elems.length);
        b.putShort((short) nb.length).put(nb).putInt(shape.length);
        for (long s : shape) b.putLong(s);
        b.putInt(elems.length / 4).put(elems);
        return b.array();
    }

    private static long crc(byte[] bytes) {
        CRC32C c = new CRC32C();
        c.update(bytes);
        return c.getValue();
    }

    /** Counts every byte written into a running checksum. */
    private static final class CheckedOut extends java.io.FilterOutputStream {
        private final CRC32C crc;

        CheckedOut(OutputStream out, CRC32C crc) {
            super(out);
            this.crc = crc;
        }

        @Override
        public void write(int b) throws IOException {
            crc.update(b);
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            crc.update(b, off, len);
            out.write(b, off, len);
        }
    }

    /** Counts every byte read into a running checksum. */
    private static final class CheckedIn extends java.io.FilterInputStream {
        private final CRC32C crc;

        CheckedIn(InputStream in, CRC32C crc) {
            super(in);
            this.crc = crc;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) crc.update(b);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) crc.update(b, off, n);
            return n;
        }
    }
}
