package org.eapo4j.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.hf.SafeDtype;
import org.eapo4j.hf.TensorChannels;

/**
 * A format-3 checkpoint ({@link CheckpointLayout}), opened for reading. {@link #open} verifies every checksum in one
 * streamed pass without keeping any tensor; {@link #readInto} then streams one tensor into a tensor of its stored
 * dtype, checking its checksum again (the file may have been replaced since).
 */
final class StreamedCheckpoint implements Checkpoint.Tensors {
    private static final ObjectMapper JSON = new ObjectMapper();

    final ObjectNode header;
    private final Path file;
    private final long size;
    private final long dataStart;
    private final Map<String, CheckpointLayout.Entry> entries;
    private final Map<String, Long> crcs;
    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private final int chunk;

    private StreamedCheckpoint(Path file, long size, ObjectNode header, long dataStart,
                               Map<String, CheckpointLayout.Entry> entries, Map<String, Long> crcs, int chunk) {
        this.file = file;
        this.size = size;
        this.header = header;
        this.dataStart = dataStart;
        this.entries = entries;
        this.crcs = crcs;
        this.chunk = chunk;
        entries.forEach((k, e) -> shapes.put(k, e.shape()));
    }

    @Override
    public Map<String, long[]> shapes() {
        return shapes;
    }

    @Override
    public SafeDtype dtype(String name) {
        return entries.get(name).dtype();
    }

    @Override
    public boolean keepsDtype() {
        return true;
    }

    /** Reads the header and checks every tensor's checksum, streaming {@code chunk} bytes at a time. */
    static StreamedCheckpoint open(Path file, FileChannel ch, int chunk) throws IOException {
        long size = ch.size();
        long jsonLength = readLong(ch, CheckpointLayout.PREFIX_BYTES - 8);
        if (jsonLength <= 0 || jsonLength > size || jsonLength > Integer.MAX_VALUE - 2 * CheckpointLayout.ALIGN)
            throw Checkpoint.corrupt(file, "header", "header length " + jsonLength + " is impossible");
        long dataStart = CheckpointLayout.dataStart(jsonLength);
        if (dataStart > size) throw truncated(file, "header");
        JsonNode root = readHeader(file, ch, jsonLength, dataStart);
        if (!(root.get("header") instanceof ObjectNode header))
            throw Checkpoint.corrupt(file, "header", "no header object");
        Map<String, CheckpointLayout.Entry> entries = CheckpointLayout.parseTable(file, root);
        long expected = CheckpointLayout.fileSize(jsonLength, entries);
        if (size < expected) throw truncated(file, endsInside(size - dataStart, entries));
        if (size > expected) throw Checkpoint.corrupt(file, "file", "bytes after the end of the checkpoint");
        Map<String, Long> crcs = readCrcs(ch, entries, size);
        StreamedCheckpoint ck = new StreamedCheckpoint(file, size, header, dataStart, entries, crcs, chunk);
        ck.verify(ch);
        return ck;
    }

    /** The JSON part, after checking the header checksum (which covers the prefix, the JSON and the padding). */
    private static JsonNode readHeader(Path file, FileChannel ch, long jsonLength, long dataStart) throws IOException {
        ByteBuffer block = ByteBuffer.allocate((int) dataStart).order(ByteOrder.LITTLE_ENDIAN);
        TensorChannels.readFully(ch, block, 0);
        CRC32C crc = new CRC32C();
        crc.update(block.array(), 0, (int) dataStart - 8);
        if (block.getLong((int) dataStart - 8) != crc.getValue())
            throw Checkpoint.corrupt(file, "header", "header checksum mismatch");
        String json = new String(block.array(), CheckpointLayout.PREFIX_BYTES, (int) jsonLength,
                StandardCharsets.UTF_8);
        try {
            return JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw Checkpoint.corrupt(file, "header", "header is not JSON");
        }
    }

    private static Map<String, Long> readCrcs(FileChannel ch, Map<String, CheckpointLayout.Entry> entries, long size)
            throws IOException {
        ByteBuffer table = ByteBuffer.allocate(8 * entries.size()).order(ByteOrder.LITTLE_ENDIAN);
        TensorChannels.readFully(ch, table, size - table.capacity());
        Map<String, Long> crcs = new HashMap<>();
        for (String name : entries.keySet()) crcs.put(name, table.getLong(8 * crcs.size()));
        return crcs;
    }

    /** Checks every tensor's bytes against its checksum through one direct buffer of {@code chunk} bytes. */
    private void verify(FileChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.min(chunk, Math.max(1, maxBytes())));
        for (CheckpointLayout.Entry e : entries.values()) {
            CRC32C crc = new CRC32C();
            for (long at = 0; at < e.bytes(); at += buf.capacity()) {
                buf.clear().limit((int) Math.min(buf.capacity(), e.bytes() - at));
                TensorChannels.readFully(ch, buf, dataStart + e.offset() + at);
                crc.update(buf.flip());
            }
            if (crc.getValue() != crcs.get(e.name()))
                throw Checkpoint.corrupt(file, CheckpointLayout.part(e.name()), "checksum mismatch");
        }
    }

    private long maxBytes() {
        long m = 0;
        for (CheckpointLayout.Entry e : entries.values()) m = Math.max(m, e.bytes());
        return m;
    }

    /** Streams tensor {@code name} into {@code dest}, a contiguous CPU tensor of its dtype and shape. */
    @Override
    public void readInto(String name, Tensor dest) {
        CheckpointLayout.Entry e = entries.get(name);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() != size) throw changed(e);
            CRC32C crc = new CRC32C();
            TensorChannels.read(ch, dataStart + e.offset(), dest, chunk, crc);
            if (crc.getValue() != crcs.get(name)) throw changed(e);
        } catch (IOException x) {
            throw new CheckpointException(file, "cannot be read (" + CheckpointLayout.part(name) + "): "
                    + x.getMessage(), x);
        }
    }

    private CheckpointException changed(CheckpointLayout.Entry e) {
        return Checkpoint.corrupt(file, CheckpointLayout.part(e.name()), "the file changed after it was verified");
    }

    private static long readLong(FileChannel ch, long position) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        TensorChannels.readFully(ch, b, position);
        return b.getLong(0);
    }

    /** The part a file of {@code dataBytes} bytes after the header ends in. */
    private static String endsInside(long dataBytes, Map<String, CheckpointLayout.Entry> entries) {
        for (CheckpointLayout.Entry e : entries.values())
            if (e.end() > dataBytes) return CheckpointLayout.part(e.name());
        return "file trailer";
    }

    private static CheckpointException truncated(Path file, String part) {
        return new CheckpointException(file, "is truncated (ends inside the " + part + ")");
    }
}
