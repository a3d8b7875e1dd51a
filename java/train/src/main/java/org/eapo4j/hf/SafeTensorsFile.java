package org.eapo4j.hf;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * One safetensors file, opened for reading: an 8-byte little-endian header length, a JSON header naming every tensor's
 * dtype, shape and byte range, then the raw little-endian data. The whole header is checked against the file size
 * when the file is opened (ranges in bounds, sizes matching shape x dtype, no overlaps or gaps, nothing left over), so
 * no data is touched through a header that lies. Tensor data is memory-mapped one tensor at a time and the mapping is
 * released right after the copy, so reading a checkpoint never holds a second full copy of the weights.
 */
public final class SafeTensorsFile implements AutoCloseable {
    /** Largest header accepted (the format's reference reader uses the same bound). */
    static final long MAX_HEADER = 100L << 20;
    /** Mappings are at most this long: a larger tensor is copied in pieces, each unmapped after its copy, so that at
     *  most this much of the file is resident beside the parameters. */
    private static final long MAP_CHUNK = 64L << 20;

    /** One tensor of the header: data lies at {@code [begin, end)} after the header. */
    public record Entry(String name, SafeDtype dtype, long[] shape, long begin, long end) {
        public long numel() {
            long n = 1;
            for (long s : shape) n *= s;
            return n;
        }

        public long byteLength() {
            return end - begin;
        }
    }

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafeTensorsFile(Path path, FileChannel channel, long dataStart, Map<String, Entry> entries,
                            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Opens and validates {@code file}; a missing, truncated or inconsistent file is a {@link HfFormatException}. */
    public static SafeTensorsFile open(Path file) {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw HfFormatException.at(file, "file not found");
        } catch (IOException e) {
            throw HfFormatException.at(file, "cannot open", e);
        }
        try {
            return parse(file, ch);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static SafeTensorsFile parse(Path file, FileChannel ch) {
        long size;
        byte[] headerBytes;
        try {
            size = ch.size();
            if (size < 8) throw HfFormatException.at(file, "not a safetensors file: " + size + " bytes, less than the "
                    + "8-byte header length");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            TensorChannels.readFully(ch, lenBuf, 0);
            long n = lenBuf.getLong(0);
            if (n <= 0 || n > MAX_HEADER) throw HfFormatException.at(file, "header length " + n + " is not in (0, "
                    + MAX_HEADER + "]: not a safetensors file");
            if (8 + n > size) throw HfFormatException.at(file, "header of " + n + " bytes does not fit in the file of "
                    + size + " bytes (truncated?)");
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            TensorChannels.readFully(ch, hb, 8);
            headerBytes = hb.array();
        } catch (IOException e) {
            throw HfFormatException.at(file, "cannot read", e);
        }
        long dataStart = 8 + headerBytes.length, dataLen = size - dataStart;
        JsonNode root;
        try {
            ObjectMapper om = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            root = om.readTree(new String(headerBytes, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw HfFormatException.at(file, "header is not valid JSON", e);
        }
        if (root == null || !root.isObject()) throw HfFormatException.at(file, "header is not a JSON object");
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equals("__metadata__")) {
                if (!f.getValue().isObject()) throw HfFormatException.at(file, "__metadata__ is not an object");
                f.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            entries.put(f.getKey(), entry(file, f.getKey(), f.getValue()));
        }
        checkLayout(file, entries, dataLen);
        return new SafeTensorsFile(file, ch, dataStart, Collections.unmodifiableMap(entries),
                Collections.unmodifiableMap(metadata));
    }

    private static Entry entry(Path file, String name, JsonNode e) {
        String where = "tensor '" + name + "': ";
        if (!e.isObject()) throw HfFormatException.at(file, where + "header entry is not an object");
        JsonNode dt = e.get("dtype"), sh = e.get("shape"), off = e.get("data_offsets");
        if (dt == null || !dt.isTextual()) throw HfFormatException.at(file, where + "no dtype");
        SafeDtype dtype = SafeDtype.parse(dt.asText());
        if (dtype == null) throw HfFormatException.at(file, where + "unsupported dtype " + dt.asText());
        if (sh == null || !sh.isArray()) throw HfFormatException.at(file, where + "no shape");
        long[] shape = new long[sh.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0)
                throw HfFormatException.at(file, where + "bad shape " + sh);
            shape[i] = d.asLong();
            try {
                numel = Math.multiplyExact(numel, shape[i]);
            } catch (ArithmeticException x) {
                throw HfFormatException.at(file, where + "shape " + sh + " overflows");
            }
        }
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber()
                || !off.get(1).isIntegralNumber() || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong())
            throw HfFormatException.at(file, where + "data_offsets is not [begin, end]");
        long begin = off.get(0).asLong(), end = off.get(1).asLong();
        if (begin < 0 || end < begin) throw HfFormatException.at(file, where + "bad data_offsets " + off);
        long expected;
        try {
            expected = Math.multiplyExact(numel, (long) dtype.bytes);
        } catch (ArithmeticException x) {
            throw HfFormatException.at(file, where + "shape " + sh + " overflows");
        }
        if (end - begin != expected)
            throw HfFormatException.at(file, where + "data_offsets " + off + " span " + (end - begin) + " bytes but "
                    + dtype + " " + sh + " needs " + expected);
        return new Entry(name, dtype, shape, begin, end);
    }

    /** Ranges must tile the data section exactly, as the format requires: no overlap, no gap, nothing past the end. */
    private static void checkLayout(Path file, Map<String, Entry> entries, long dataLen) {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        for (Entry e : sorted) {
            if (e.end() > dataLen)
                throw HfFormatException.at(file, "tensor '" + e.name() + "': data [" + e.begin() + ", " + e.end()
                        + ") lies past the end of the " + dataLen + " data bytes (truncated file or lying header)");
            if (e.begin() < at)
                throw HfFormatException.at(file, "tensor '" + e.name() + "': data [" + e.begin() + ", " + e.end()
                        + ") overlaps the tensor before it");
            if (e.begin() > at)
                throw HfFormatException.at(file, "tensor '" + e.name() + "': data starts at " + e.begin()
                        + ", leaving a gap after byte " + at);
            at = e.end();
        }
        if (at != dataLen)
            throw HfFormatException.at(file, "header covers " + at + " data bytes but the file holds " + dataLen);
    }

    public Path path() {
        return path;
    }

    /** Tensors in header order. */
    public Map<String, Entry> entries() {
        return entries;
    }

    public Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) throw HfFormatException.at(path, "no tensor '" + name + "'");
        return e;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Copies tensor {@code name} into {@code dest} (same number of elements; LibTorch converts the dtype and moves it
     * to dest's device). dest must be contiguous.
     */
    public void copyInto(String name, Tensor dest) {
        Entry e = entry(name);
        if (dest.numel() != e.numel())
            throw new IllegalArgumentException(path + ": tensor '" + name + "' has " + e.numel()
                    + " elements, the destination " + dest.numel());
        if (!dest.is_contiguous()) throw new IllegalArgumentException("destination of '" + name + "' is not contiguous");
        if (e.numel() == 0) return;
        long perChunk = Math.max(1, MAP_CHUNK / e.dtype().bytes);
        try (NoGradGuard g = new NoGradGuard()) {
            for (long first = 0; first < e.numel(); first += perChunk) {
                long count = Math.min(perChunk, e.numel() - first);
                MappedByteBuffer map;
                try {
                    map = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin() + first * e.dtype().bytes,
                            count * e.dtype().bytes);
                } catch (IOException x) {
                    throw HfFormatException.at(path, "tensor '" + name + "': cannot map", x);
                }
                try (PointerScope scope = new PointerScope()) {
                    BytePointer p = new BytePointer(map);
                    Tensor blob = torch.from_blob(p, new long[] {count}, new TensorOptions(e.dtype().scalarType));
                    dest.view(-1).narrow(0, first, count).copy_(blob);
                } finally {
                    Unmapper.unmap(map);
                }
            }
        }
    }

    /** Tensor {@code name} as a new CPU tensor of the file's dtype and shape; the caller closes it. */
    public Tensor read(String name) {
        Entry e = entry(name);
        Tensor t;
        try (TensorOptions o = new TensorOptions(e.dtype().scalarType)) {
            t = torch.empty(e.shape(), o, null);
        }
        copyInto(name, t);
        return t;
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // read-only channel: nothing was written that could be lost
        }
    }

    /** Releases a mapping now rather than at some later GC (sun.misc.Unsafe.invokeCleaner, Java 9+). */
    static final class Unmapper {
        private static final Object UNSAFE;
        private static final java.lang.reflect.Method INVOKE_CLEANER;

        static {
            Object u = null;
            java.lang.reflect.Method m = null;
            try {
                Class<?> c = Class.forName("sun.misc.Unsafe");
                Field f = c.getDeclaredField("theUnsafe");
                f.setAccessible(true);
                u = f.get(null);
                m = c.getMethod("invokeCleaner", ByteBuffer.class);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // without it mappings are released by the GC: correct, only resident memory stays higher for longer
            }
            UNSAFE = u;
            INVOKE_CLEANER = m;
        }

        static void unmap(MappedByteBuffer b) {
            if (INVOKE_CLEANER == null) return;
            try {
                INVOKE_CLEANER.invoke(UNSAFE, b);
            } catch (ReflectiveOperationException | RuntimeException ignored) {
                // as above: the GC unmaps it later
            }
        }
    }
}
