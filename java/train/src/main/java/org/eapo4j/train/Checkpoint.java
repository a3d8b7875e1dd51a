package org.eapo4j.train;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.eapo4j.hf.SafeDtype;
import org.eapo4j.hf.TensorChannels;

/**
 * One checkpoint file: a JSON header (configs, tokenizer, trainer and schedule state) and named tensors (model,
 * optimizer moments, reference model), each in its own dtype. Every part has a CRC-32C checksum that {@link #read}
 * verifies, so a flipped or truncated byte is reported as "checkpoint X is corrupt (which part)" instead of resuming
 * from garbage. Tensors are streamed between their native memory and the file a few MB at a time, never through a
 * Java array, and every size is a long. Written through {@link AtomicFiles} (temporary file, flushed to disk,
 * renamed over the old one), so a crash mid-write never leaves a torn checkpoint.
 *
 * <p>Format 3 is laid out in {@link CheckpointLayout}; format 2 (every tensor as fp32) is still read, by
 * {@link LegacyCheckpoint}, so runs saved before it resume.
 */
public final class Checkpoint {
    static final String MAGIC = "EAPO4J-CKPT-3";
    private static final String OLD_MAGIC = "EAPO4J-CKPT-1";
    /** Bytes moved per read or write call: large enough for disk speed, small enough to stay in cache for the CRC. */
    static final int CHUNK = 4 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The stored tensors of either format. */
    interface Tensors {
        /** Stored tensor names and their shapes, in file order. */
        Map<String, long[]> shapes();

        SafeDtype dtype(String name);

        /** Whether a live tensor must have the stored dtype to load it. */
        boolean keepsDtype();

        /** Fills {@code dest}, a contiguous CPU tensor of the stored dtype and shape, with tensor {@code name}. */
        void readInto(String name, Tensor dest);
    }

    public final ObjectNode header;
    private final Path file;
    private final int format;
    private final Tensors tensors;

    private Checkpoint(Path file, int format, ObjectNode header, Tensors tensors) {
        this.file = file;
        this.format = format;
        this.header = header;
        this.tensors = tensors;
    }

    /** Writes atomically; an I/O failure leaves the previous file (if any) in place and no temporary file. */
    public static void write(Path file, ObjectNode header, Map<String, Tensor> tensors) {
        write(file, header, tensors, CHUNK);
    }

    /** As {@link #write(Path, ObjectNode, Map)}, moving {@code chunk} bytes per write call. */
    static void write(Path file, ObjectNode header, Map<String, Tensor> tensors, int chunk) {
        List<CheckpointLayout.Entry> entries = layOut(file, tensors);
        AtomicFiles.writeChannel(file, ch -> {
            writeFully(ch, headerBlock(header, entries));
            ByteBuffer crcs = ByteBuffer.allocate(8 * entries.size()).order(ByteOrder.LITTLE_ENDIAN);
            for (CheckpointLayout.Entry e : entries) crcs.putLong(writeTensor(ch, tensors.get(e.name()), chunk));
            writeFully(ch, crcs.flip());
        });
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** Each tensor's place in the file, back to back in map order. */
    private static List<CheckpointLayout.Entry> layOut(Path file, Map<String, Tensor> tensors) {
        List<CheckpointLayout.Entry> entries = new ArrayList<>();
        CheckpointLayout.Entry last = null;
        for (Map.Entry<String, Tensor> t : tensors.entrySet()) {
            SafeDtype dtype;
            try {
                dtype = SafeDtype.of(t.getValue().scalar_type());
            } catch (IllegalArgumentException x) {
                throw new CheckpointException(file, "cannot hold tensor '" + t.getKey() + "': " + x.getMessage());
            }
            long[] shape = shapeOf(t.getValue());
            last = last == null ? CheckpointLayout.Entry.first(t.getKey(), dtype, shape, 0)
                    : last.next(t.getKey(), dtype, shape);
            entries.add(last);
        }
        return entries;
    }

    /** Prefix, JSON, zero padding to the aligned data start, and the CRC of all of it. */
    private static ByteBuffer headerBlock(ObjectNode header, List<CheckpointLayout.Entry> entries) throws IOException {
        byte[] json = JSON.writeValueAsBytes(CheckpointLayout.toJson(header, entries));
        int dataStart = Math.toIntExact(CheckpointLayout.dataStart(json.length));
        ByteBuffer b = ByteBuffer.allocate(dataStart);   // big-endian: the magic as writeUTF wrote format 2's
        b.putShort((short) MAGIC.length()).put(MAGIC.getBytes(StandardCharsets.US_ASCII));
        b.order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, dataStart - 8);
        b.putLong(dataStart - 8, crc.getValue());
        return b.clear();
    }

    /** Streams one tensor's bytes from its native memory; returns their CRC. */
    private static long writeTensor(FileChannel ch, Tensor t, int chunk) throws IOException {
        CRC32C crc = new CRC32C();
        try (Tensor host = TensorChannels.hostContiguous(t)) {
            TensorChannels.write(ch, host, chunk, crc);
        }
        return crc.getValue();
    }

    /**
     * Reads a checkpoint of either format and verifies all its checksums. The tensors of format 3 stay in the file
     * until {@link #loadInto} or {@link #tensor} streams them.
     *
     * @throws CheckpointException missing, not a checkpoint, truncated, or a part fails its checksum
     */
    public static Checkpoint read(Path file) {
        return read(file, CHUNK);
    }

    static Checkpoint read(Path file, int chunk) {
        if (Files.isDirectory(file)) throw new CheckpointException(file, "is a directory, not a checkpoint file");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            String magic = magic(file, ch);
            if (MAGIC.equals(magic)) {
                StreamedCheckpoint s = StreamedCheckpoint.open(file, ch, chunk);
                return new Checkpoint(file, 3, s.header, s);
            }
            if (LegacyCheckpoint.MAGIC.equals(magic)) {
                LegacyCheckpoint l = LegacyCheckpoint.read(file, ch.size());
                return new Checkpoint(file, 2, l.header, l);
            }
            if (OLD_MAGIC.equals(magic))
                throw new CheckpointException(file, "has the old format 1 (no checksums); this eapo4j reads formats 2 "
                        + "and 3 only: retrain, or evaluate it with the eapo4j version that wrote it");
            throw new CheckpointException(file, "is not an eapo4j checkpoint");
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file, "does not exist");
        } catch (EOFException e) {
            throw new CheckpointException(file, "is truncated");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw corrupt(file, "header", "header is not JSON");
        } catch (AccessDeniedException e) {
            throw new UncheckedIOException("cannot read checkpoint " + file + ": permission denied", e);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot be read: " + e.getMessage(), e);
        }
    }

    /** The magic string of both formats: 2-byte big-endian length, then that many ASCII bytes. */
    private static String magic(Path file, FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(2 + MAGIC.length());
        if (ch.size() < b.capacity()) throw new CheckpointException(file, "is not an eapo4j checkpoint (no header)");
        TensorChannels.readFully(ch, b, 0);
        if (b.getShort(0) != MAGIC.length()) return "";
        return new String(b.array(), 2, MAGIC.length(), StandardCharsets.ISO_8859_1);
    }

    /** 3 for streamed per-dtype files, 2 for the fp32 files of earlier versions. */
    public int format() {
        return format;
    }

    public boolean has(String key) {
        return tensors.shapes().containsKey(key);
    }

    public long[] shape(String key) {
        return present(key).clone();
    }

    public SafeDtype dtype(String key) {
        present(key);
        return tensors.dtype(key);
    }

    /** Stored tensor {@code key} as a new CPU tensor of its stored dtype and shape; the caller closes it. */
    public Tensor tensor(String key) {
        Tensor t;
        try (TensorOptions o = new TensorOptions(dtype(key).scalarType)) {
            t = torch.empty(present(key), o, null);
        }
        try {
            tensors.readInto(key, t);
            return t;
        } catch (RuntimeException x) {
            t.close();
            throw x;
        }
    }

    /**
     * Copies the stored tensors {@code prefix + name} into the given live tensors, which must all be present with the
     * stored shape and (format 3) dtype. A contiguous CPU tensor of the stored dtype is read into directly; any other
     * through a host tensor of the stored dtype. {@link #read} verified every checksum; a file changed since then is
     * refused here, possibly after part of a live tensor was overwritten.
     */
    public void loadInto(String prefix, Map<String, Tensor> targets) {
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : targets.entrySet()) {
                String key = prefix + e.getKey();
                Tensor live = e.getValue();
                checkFits(key, live);
                if (readsDirectly(key, live)) {
                    tensors.readInto(key, live);
                } else {
                    try (Tensor src = tensor(key)) {
                        live.copy_(src);
                    }
                }
            }
        }
    }

    /** Whether {@code live} can take the stored bytes as they are: no device copy, no conversion, no strides. */
    private boolean readsDirectly(String key, Tensor live) {
        return live.is_cpu() && live.is_contiguous() && tensors.dtype(key).scalarType == live.scalar_type().intern();
    }

    /** Refuses a live tensor the stored one cannot be copied into unchanged. */
    private void checkFits(String key, Tensor live) {
        long[] shape = present(key);
        long[] liveShape = shapeOf(live);
        if (!Arrays.equals(shape, liveShape)) throw new CheckpointException(file, "tensor '" + key + "' has shape "
                + Arrays.toString(shape) + ", the model expects " + Arrays.toString(liveShape));
        if (!tensors.keepsDtype()) return;
        SafeDtype stored = tensors.dtype(key);
        if (stored.scalarType != live.scalar_type().intern()) throw new CheckpointException(file, "tensor '" + key
                + "' (" + role(key) + ") is stored as " + stored + " but the model's is " + dtypeName(live)
                + ": load it into a model of the dtype it was saved from");
    }

    private static long[] shapeOf(Tensor t) {
        long[] shape = new long[(int) t.dim()];
        for (int d = 0; d < shape.length; d++) shape[d] = t.size(d);
        return shape;
    }

    private static String dtypeName(Tensor t) {
        try {
            return SafeDtype.of(t.scalar_type()).name();
        } catch (IllegalArgumentException x) {
            return String.valueOf(t.scalar_type());
        }
    }

    private long[] present(String key) {
        long[] shape = tensors.shapes().get(key);
        if (shape == null) throw new CheckpointException(file, "lacks tensor '" + key + "' (" + role(key) + ")");
        return shape;
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
}
