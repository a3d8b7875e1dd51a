package org.eapo4j.train;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.hf.SafeDtype;
import org.eapo4j.tensors.HostTensors;

/**
 * Reads format 2 ("EAPO4J-CKPT-2"), which eapo4j wrote before streamed checkpoints, so runs saved then still resume.
 * Nothing writes it any more. Every tensor is held as a float array, as that format's reader always did (its writer
 * refused tensors over 2^29 elements, so each fits one).
 *
 * <p>Layout (big-endian): magic (writeUTF), int header length, header bytes (UTF-8 JSON), long CRC of the header;
 * int tensor count; per tensor: name (writeUTF), int rank, long[rank] shape, int element count, float32 elements,
 * long CRC of name, shape and elements; long CRC of the whole file before it.
 */
final class LegacyCheckpoint implements Checkpoint.Tensors {
    static final String MAGIC = "EAPO4J-CKPT-2";
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE / 4;
    private static final ObjectMapper JSON = new ObjectMapper();

    final ObjectNode header;
    private final Map<String, float[]> data;
    private final Map<String, long[]> shapes;

    private LegacyCheckpoint(ObjectNode header, Map<String, float[]> data, Map<String, long[]> shapes) {
        this.header = header;
        this.data = data;
        this.shapes = shapes;
    }

    @Override
    public Map<String, long[]> shapes() {
        return shapes;
    }

    @Override
    public SafeDtype dtype(String name) {
        return SafeDtype.F32;
    }

    /** Format 2 stored every tensor as fp32 whatever its dtype was, so it loads into any float dtype. */
    @Override
    public boolean keepsDtype() {
        return false;
    }

    @Override
    public void readInto(String name, Tensor dest) {
        try (Tensor src = HostTensors.fromFloats(data.get(name), shapes.get(name))) {
            dest.copy_(src);
        }
    }

    /** @throws CheckpointException truncated, or a part fails its checksum */
    static LegacyCheckpoint read(Path file, long size) throws IOException {
        CRC32C whole = new CRC32C();
        String part = "header";
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new CheckedIn(new BufferedInputStream(raw, 1 << 20), whole))) {
            if (!MAGIC.equals(in.readUTF())) throw new CheckpointException(file, "is not an eapo4j checkpoint");
            int hl = in.readInt();
            if (hl <= 0 || hl > size) throw Checkpoint.corrupt(file, "header", "header length " + hl + " is impossible");
            byte[] h = new byte[hl];
            in.readFully(h);
            if (in.readLong() != crc(h)) throw Checkpoint.corrupt(file, "header", "header checksum mismatch");
            JsonNode hn = JSON.readTree(new String(h, StandardCharsets.UTF_8));
            if (!(hn instanceof ObjectNode header)) throw Checkpoint.corrupt(file, "header", "header is not a JSON object");
            int n = in.readInt();
            if (n < 0 || n > 100_000) throw Checkpoint.corrupt(file, "tensor table", "tensor count " + n + " is impossible");
            Map<String, float[]> data = new LinkedHashMap<>();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                part = "tensor #" + i;
                String name = in.readUTF();
                part = CheckpointLayout.part(name);
                long[] shape = readShape(in, file, part, size);
                float[] f = readElements(in, file, part, name, shape, size);
                if (data.put(name, f) != null) throw Checkpoint.corrupt(file, part, "duplicate tensor name");
                shapes.put(name, shape);
            }
            part = "file trailer";
            long expected = whole.getValue();
            if (in.readLong() != expected) throw Checkpoint.corrupt(file, "file", "whole-file checksum mismatch");
            if (in.read() != -1) throw Checkpoint.corrupt(file, "file", "bytes after the end of the checkpoint");
            return new LegacyCheckpoint(header, data, shapes);
        } catch (EOFException e) {
            throw new CheckpointException(file, "is truncated (ends inside the " + part + ")");
        }
    }

    private static long[] readShape(DataInputStream in, Path file, String part, long size) throws IOException {
        int rank = in.readInt();
        if (rank < 0 || rank > CheckpointLayout.MAX_RANK) throw Checkpoint.corrupt(file, part, "rank " + rank
                + " is impossible");
        long[] shape = new long[rank];
        long elems = 1;
        for (int d = 0; d < rank; d++) {
            shape[d] = in.readLong();
            if (shape[d] < 0 || shape[d] > size) throw Checkpoint.corrupt(file, part, "dimension " + shape[d]
                    + " is impossible");
            elems *= shape[d];
            if (elems > size) throw Checkpoint.corrupt(file, part, "shape larger than the file");
        }
        return shape;
    }

    private static float[] readElements(DataInputStream in, Path file, String part, String name, long[] shape,
                                        long size) throws IOException {
        long elems = 1;
        for (long d : shape) elems *= d;
        int count = in.readInt();
        if (count != elems || count > MAX_ELEMENTS || 4L * count > size)
            throw Checkpoint.corrupt(file, part, count + " elements for a shape of " + elems);
        byte[] bytes = new byte[count * 4];
        in.readFully(bytes);
        if (in.readLong() != crc(tensorBytes(name, shape, bytes))) throw Checkpoint.corrupt(file, part,
                "checksum mismatch");
        float[] f = new float[count];
        ByteBuffer.wrap(bytes).asFloatBuffer().get(f);
        return f;
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
