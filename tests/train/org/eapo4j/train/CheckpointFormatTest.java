package org.eapo4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.hf.SafeDtype;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Format 3: tensors in their own dtype, streamed in chunks, long sizes; and format 2 files still load. */
class CheckpointFormatTest {
    @TempDir Path dir;
    private final Map<String, Tensor> made = new LinkedHashMap<>();

    @AfterEach
    void close() {
        made.values().forEach(Tensor::close);
    }

    /** A tensor of {@code dtype} whose elements are random bit patterns (NaN payloads, subnormals and all). */
    private Tensor randomBits(String name, SafeDtype dtype, Random r, long... shape) {
        long n = 1;
        for (long s : shape) n *= s;
        byte[] bits = new byte[Math.toIntExact(n * dtype.bytes)];
        r.nextBytes(bits);
        try (Tensor raw = HostTensors.fromBytes(bits, bits.length); Tensor typed = raw.view(dtype.scalarType)) {
            Tensor t = typed.reshape(shape).clone();
            made.put(name, t);
            return t;
        }
    }

    private static byte[] bytesOf(Tensor t) {
        if (t.numel() == 0) return new byte[0];
        try (Tensor c = t.contiguous(); Tensor flat = c.reshape(-1); Tensor b = flat.view(ScalarType.Byte)) {
            return HostTensors.toBytes(b);
        }
    }

    private Map<String, Tensor> everyDtype() {
        Random r = new Random(24);
        randomBits("model.fp32", SafeDtype.F32, r, 3, 5);
        randomBits("model.bf16", SafeDtype.BF16, r, 4, 2, 3);
        randomBits("model.fp16", SafeDtype.F16, r, 7);
        randomBits("adamw.fp64", SafeDtype.F64, r, 2, 2);
        randomBits("adamw.int64", SafeDtype.I64, r, 5);
        randomBits("ref.empty", SafeDtype.BF16, r, 0, 3);
        return new LinkedHashMap<>(made);
    }

    private static void assertSameBits(Map<String, Tensor> written, Checkpoint ck) {
        for (Map.Entry<String, Tensor> e : written.entrySet()) {
            assertEquals(SafeDtype.of(e.getValue().scalar_type()), ck.dtype(e.getKey()), e.getKey());
            assertArrayEquals(e.getValue().sizes().vec().get(), ck.shape(e.getKey()), e.getKey());
            try (Tensor back = ck.tensor(e.getKey())) {
                assertEquals(e.getValue().scalar_type().intern(), back.scalar_type().intern(), e.getKey());
                assertArrayEquals(bytesOf(e.getValue()), bytesOf(back), e.getKey());
            }
        }
    }

    @Test
    void everyDtypeRoundTripsBitForBit() {
        Map<String, Tensor> t = everyDtype();
        Path f = dir.resolve("c.bin");
        Checkpoint.write(f, CheckpointFileTest.header(), t);
        Checkpoint ck = Checkpoint.read(f);
        assertEquals(3, ck.format());
        assertEquals("world", ck.header.get("hello").asText());
        assertSameBits(t, ck);
    }

    @Test
    void aNonContiguousTensorIsStoredInRowMajorOrder() {
        Tensor base = HostTensors.fromFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        made.put("base", base);
        Tensor transposed = base.t();
        made.put("model.t", transposed);
        Path f = dir.resolve("c.bin");
        Checkpoint.write(f, CheckpointFileTest.header(), Map.of("model.t", transposed));
        try (Tensor back = Checkpoint.read(f).tensor("model.t")) {
            assertArrayEquals(new long[] {3, 2}, back.sizes().vec().get());
            assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, HostTensors.toFloats(back));
        }
    }

    /** A chunk of 7 bytes splits every element of every dtype somewhere: tensors span hundreds of chunks. */
    @Test
    void tinyChunksGiveTheSameFileAndTheSameTensors() throws IOException {
        Map<String, Tensor> t = everyDtype();
        randomBits("model.big", SafeDtype.BF16, new Random(3), 33, 31);   // 2046 bytes: 293 chunks of 7
        t.put("model.big", made.get("model.big"));
        Path whole = dir.resolve("whole.bin"), chunked = dir.resolve("chunked.bin");
        Checkpoint.write(whole, CheckpointFileTest.header(), t);
        Checkpoint.write(chunked, CheckpointFileTest.header(), t, 7);
        assertArrayEquals(Files.readAllBytes(whole), Files.readAllBytes(chunked));
        assertSameBits(t, Checkpoint.read(chunked, 7));
        assertSameBits(t, Checkpoint.read(chunked, 4096));
    }

    @Test
    void offsetsAndSizesAreLongs() {
        // two tensors of 0.6B-model size: a bf16 embedding of 2.5 GB and an fp32 one of 5 GB (past 2^31 and 2^32)
        CheckpointLayout.Entry a = CheckpointLayout.Entry.first("model.embed", SafeDtype.BF16, new long[] {151936, 8192},
                0);
        CheckpointLayout.Entry b = a.next("adamw.m.embed", SafeDtype.F32, new long[] {151936, 8192});
        CheckpointLayout.Entry c = b.next("model.norm", SafeDtype.BF16, new long[] {8192});
        assertEquals(2_489_319_424L, a.bytes());
        assertEquals(a.bytes(), b.offset());
        assertEquals(3 * a.bytes(), c.offset());
        assertTrue(c.offset() > 1L << 32);

        ObjectNode json = CheckpointLayout.toJson(CheckpointFileTest.header(), java.util.List.of(a, b, c));
        Map<String, CheckpointLayout.Entry> back = CheckpointLayout.parseTable(dir, json);
        assertEquals(c.offset(), back.get("model.norm").offset());
        assertEquals(b.bytes(), back.get("adamw.m.embed").bytes());
        long jsonLength = 1000;
        assertEquals(CheckpointLayout.dataStart(jsonLength) + c.end() + 3 * 8,
                CheckpointLayout.fileSize(jsonLength, back));
        assertEquals(0, CheckpointLayout.dataStart(jsonLength) % CheckpointLayout.ALIGN);
    }

    @Test
    void aHeaderWithImpossibleSizesIsCorrupt() {
        assertThrows(ArithmeticException.class,
                () -> CheckpointLayout.byteLength(SafeDtype.F64, new long[] {1L << 31, 1L << 31}));
        CheckpointLayout.Entry huge = new CheckpointLayout.Entry("model.w", SafeDtype.F64,
                new long[] {1L << 31, 1L << 31}, 0, 8);
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointLayout.parseTable(dir,
                CheckpointLayout.toJson(CheckpointFileTest.header(), java.util.List.of(huge))));
        assertTrue(e.getMessage().contains("'model.w'") && e.getMessage().contains("overflows"), e.getMessage());
        CheckpointLayout.Entry gap = new CheckpointLayout.Entry("model.v", SafeDtype.F32, new long[] {2}, 4, 8);
        e = assertThrows(CheckpointException.class, () -> CheckpointLayout.parseTable(dir,
                CheckpointLayout.toJson(CheckpointFileTest.header(), java.util.List.of(gap))));
        assertTrue(e.getMessage().contains("'model.v'"), e.getMessage());
    }

    @Test
    void corruptDataIsCaughtAndNamesTheTensor() throws IOException {
        Path f = dir.resolve("c.bin");
        Checkpoint.write(f, CheckpointFileTest.header(), everyDtype());
        byte[] good = Files.readAllBytes(f);
        byte[] bad = good.clone();
        bad[good.length - 6 * 8 - 3] ^= 1;   // the last data byte before the checksum table: int64 "adamw.int64"
        Files.write(f, bad);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.read(f));
        assertTrue(e.getMessage().contains("'adamw.int64'") && e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void aFileReplacedAfterReadingIsRefusedWhenLoading() throws IOException {
        Path f = dir.resolve("c.bin");
        Map<String, Tensor> t = everyDtype();
        Checkpoint.write(f, CheckpointFileTest.header(), t);
        Checkpoint ck = Checkpoint.read(f);
        byte[] bad = Files.readAllBytes(f);
        bad[bad.length - 6 * 8 - 3] ^= 1;
        Files.write(f, bad);
        assertThrows(CheckpointException.class, () -> {
            for (String k : t.keySet()) ck.tensor(k).close();
        });
    }

    @Test
    void aDtypeMismatchIsRefusedNamingTheTensor() {
        Path f = dir.resolve("c.bin");
        Checkpoint.write(f, CheckpointFileTest.header(), everyDtype());
        Checkpoint ck = Checkpoint.read(f);
        Tensor live = HostTensors.fromFloats(new float[24], 4, 2, 3);   // fp32, the file holds bf16
        made.put("live", live);
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> ck.loadInto("model.", Map.of("bf16", live)));
        assertTrue(e.getMessage().contains("'model.bf16'") && e.getMessage().contains("BF16")
                && e.getMessage().contains("F32"), e.getMessage());
        try (Tensor wrongShape = HostTensors.fromFloats(new float[15], 5, 3)) {
            e = assertThrows(CheckpointException.class, () -> ck.loadInto("model.", Map.of("fp32", wrongShape)));
            assertTrue(e.getMessage().contains("'model.fp32'") && e.getMessage().contains("shape"), e.getMessage());
        }
    }

    @Test
    void loadIntoCopiesIntoTheLiveTensors() {
        Path f = dir.resolve("c.bin");
        Map<String, Tensor> t = everyDtype();
        Checkpoint.write(f, CheckpointFileTest.header(), t);
        Map<String, Tensor> live = new LinkedHashMap<>();
        for (String k : t.keySet()) {
            if (!k.startsWith("adamw.")) continue;
            Tensor z = t.get(k).clone().zero_();
            made.put("live." + k, z);
            live.put(k.substring("adamw.".length()), z);
        }
        Checkpoint.read(f).loadInto("adamw.", live);   // contiguous CPU tensors: read straight into them
        for (Map.Entry<String, Tensor> e : live.entrySet())
            assertArrayEquals(bytesOf(t.get("adamw." + e.getKey())), bytesOf(e.getValue()));

        Tensor base = t.get("model.bf16").permute(2, 1, 0).contiguous().zero_();   // through a host tensor
        made.put("base", base);
        Tensor strided = base.permute(2, 1, 0);
        made.put("strided", strided);
        assertFalse(strided.is_contiguous());
        Checkpoint.read(f).loadInto("model.", Map.of("bf16", strided));
        assertArrayEquals(bytesOf(t.get("model.bf16")), bytesOf(strided));
    }

    /** The fixture was written by format 2's writer (tests/train/resources/checkpoints/README.md). */
    @Test
    void previousFormatStillLoads() throws URISyntaxException, IOException {
        Path fixture = Path.of(getClass().getResource("/checkpoints/format2-fp32.bin").toURI());
        Checkpoint ck = Checkpoint.read(fixture);
        assertEquals(2, ck.format());
        assertEquals("world", ck.header.get("hello").asText());
        assertEquals(7, ck.header.get("rlStep").asInt());
        assertEquals(SafeDtype.F32, ck.dtype("model.w"));
        assertArrayEquals(new long[] {2, 3}, ck.shape("model.w"));
        assertFalse(ck.has("model.v"));
        Tensor w = HostTensors.fromFloats(new float[6], 2, 3);
        made.put("w", w);
        ck.loadInto("model.", Map.of("w", w));
        assertArrayEquals(new float[] {1, -2.5f, 3, 0.125f, 5e-8f, 6e7f}, HostTensors.toFloats(w));
        // format 2 kept no dtype: its fp32 loads into a bf16 model, as it did when it was written
        Tensor b = w.to(ScalarType.BFloat16);
        made.put("b", b);
        b.zero_();
        ck.loadInto("model.", Map.of("w", b));
        try (Tensor back = b.to(ScalarType.Float)) {
            assertEquals(-2.5f, HostTensors.toFloats(back)[1]);
        }
        byte[] bad = Files.readAllBytes(fixture);
        bad[bad.length - 20] ^= 1;
        Path g = dir.resolve("bad2.bin");
        Files.write(g, bad);
        assertThrows(CheckpointException.class, () -> Checkpoint.read(g));
    }
}
