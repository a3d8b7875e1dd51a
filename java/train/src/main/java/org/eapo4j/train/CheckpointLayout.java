package org.eapo4j.train;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.eapo4j.hf.SafeDtype;

/**
 * Where the bytes of a format-3 checkpoint lie. Every size and offset is a long: a tensor, its offset or the file may
 * pass 2 GiB. The file is
 * <pre>
 *   prefix     2-byte big-endian length 13 + "EAPO4J-CKPT-3" (the same shape as format 2's, so one read tells them apart)
 *   long       JSON length J (little-endian, as every number below)
 *   JSON       {"header": {...}, "tensors": [{"name", "dtype", "shape", "offset", "bytes"}, ...]}
 *   zeros      up to {@link #dataStart}, so that tensor data is 64-byte aligned
 *   long       CRC-32C of everything before it
 *   data       the tensors' bytes, in table order, back to back from offset 0 (offsets count from the data start)
 *   long[n]    CRC-32C of each tensor's bytes, in table order
 * </pre>
 */
final class CheckpointLayout {
    static final int PREFIX_BYTES = 2 + 13 + 8;
    static final int ALIGN = 64;
    static final int MAX_RANK = 8;
    private static final ObjectMapper JSON = new ObjectMapper();

    private CheckpointLayout() {}

    /** One tensor's place: {@code bytes} bytes at {@code offset} from the data start. */
    record Entry(String name, SafeDtype dtype, long[] shape, long offset, long bytes) {
        long end() {
            return offset + bytes;
        }

        /** The entry placed right after this one. */
        Entry next(String name, SafeDtype dtype, long[] shape) {
            return first(name, dtype, shape, end());
        }

        static Entry first(String name, SafeDtype dtype, long[] shape, long offset) {
            return new Entry(name, dtype, shape.clone(), offset, byteLength(dtype, shape));
        }
    }

    /** @throws ArithmeticException the size does not fit a long */
    static long byteLength(SafeDtype dtype, long[] shape) {
        long n = dtype.bytes;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    /** Where the data starts for a JSON part of {@code jsonLength} bytes: after it and the header CRC, aligned. */
    static long dataStart(long jsonLength) {
        long end = PREFIX_BYTES + jsonLength + 8;
        return (end + ALIGN - 1) / ALIGN * ALIGN;
    }

    /** The size of a file whose JSON is {@code jsonLength} bytes and which holds {@code entries}. */
    static long fileSize(long jsonLength, Map<String, Entry> entries) {
        long data = 0;
        for (Entry e : entries.values()) data = Math.max(data, e.end());
        return dataStart(jsonLength) + data + 8L * entries.size();
    }

    static ObjectNode toJson(ObjectNode header, Iterable<Entry> entries) {
        ObjectNode root = JSON.createObjectNode();
        root.set("header", header);
        ArrayNode table = root.putArray("tensors");
        for (Entry e : entries) {
            ObjectNode o = table.addObject();
            o.put("name", e.name());
            o.put("dtype", e.dtype().name());
            ArrayNode shape = o.putArray("shape");
            for (long d : e.shape()) shape.add(d);
            o.put("offset", e.offset());
            o.put("bytes", e.bytes());
        }
        return root;
    }

    /**
     * The tensor table of {@code root}, checked: known dtypes, sizes that match dtype x shape, tensors back to back
     * from offset 0 in table order, no name twice.
     *
     * @throws CheckpointException naming the tensor at fault
     */
    static Map<String, Entry> parseTable(Path file, JsonNode root) {
        JsonNode table = root.get("tensors");
        if (table == null || !table.isArray()) throw Checkpoint.corrupt(file, "header", "no tensor table");
        Map<String, Entry> entries = new LinkedHashMap<>();
        long at = 0;
        for (JsonNode t : table) {
            Entry e = entry(file, t, entries.size());
            if (e.offset() != at) throw Checkpoint.corrupt(file, part(e.name()), "data at " + e.offset()
                    + ", expected at " + at);
            if (entries.put(e.name(), e) != null) throw Checkpoint.corrupt(file, part(e.name()), "duplicate name");
            try {
                at = Math.addExact(e.offset(), e.bytes());
            } catch (ArithmeticException x) {
                throw Checkpoint.corrupt(file, part(e.name()), "data ends past 2^63 bytes");
            }
        }
        return entries;
    }

    private static Entry entry(Path file, JsonNode t, int index) {
        JsonNode name = t.get("name");
        if (name == null || !name.isTextual()) throw Checkpoint.corrupt(file, "tensor #" + index, "no name");
        String part = part(name.asText());
        SafeDtype dtype = t.hasNonNull("dtype") ? SafeDtype.parse(t.get("dtype").asText()) : null;
        if (dtype == null) throw Checkpoint.corrupt(file, part, "unknown dtype " + t.get("dtype"));
        JsonNode sh = t.get("shape");
        if (sh == null || !sh.isArray() || sh.size() > MAX_RANK) throw Checkpoint.corrupt(file, part, "bad shape " + sh);
        long[] shape = new long[sh.size()];
        for (int d = 0; d < shape.length; d++) {
            shape[d] = nonNegativeLong(file, part, sh.get(d), "shape");
        }
        long offset = nonNegativeLong(file, part, t.get("offset"), "offset");
        long bytes = nonNegativeLong(file, part, t.get("bytes"), "bytes");
        long expected;
        try {
            expected = byteLength(dtype, shape);
        } catch (ArithmeticException x) {
            throw Checkpoint.corrupt(file, part, "shape " + sh + " overflows");
        }
        if (bytes != expected)
            throw Checkpoint.corrupt(file, part, bytes + " bytes, but " + dtype + " " + sh + " needs " + expected);
        return new Entry(name.asText(), dtype, shape, offset, bytes);
    }

    private static long nonNegativeLong(Path file, String part, JsonNode n, String what) {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0)
            throw Checkpoint.corrupt(file, part, "bad " + what + " " + n);
        return n.asLong();
    }

    static String part(String name) {
        return "tensor '" + name + "' (" + Checkpoint.role(name) + ")";
    }
}
