package org.eapo4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint file: every byte is covered by a checksum, writes are all or nothing, leftovers are removed. */
class CheckpointFileTest {
    @TempDir Path dir;

    static Map<String, Tensor> tensors() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("model.w", HostTensors.fromFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        t.put("adamw.m.w", HostTensors.fromFloats(new float[] {0.5f, -0.5f}, 2));
        return t;
    }

    static ObjectNode header() {
        ObjectNode h = new ObjectMapper().createObjectNode();
        h.put("hello", "world");
        return h;
    }

    @Test
    void roundTripAndEveryFlippedByteIsCaught() throws IOException {
        Path f = dir.resolve("c.bin");
        Checkpoint.write(f, header(), tensors());
        Checkpoint ck = Checkpoint.read(f);
        try (Tensor w = ck.tensor("model.w")) {
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, HostTensors.toFloats(w));
        }
        assertArrayEquals(new long[] {2, 3}, ck.shape("model.w"));
        byte[] good = Files.readAllBytes(f);
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x10;
            Path g = dir.resolve("flip.bin");
            Files.write(g, bad);
            assertThrows(CheckpointException.class, () -> Checkpoint.read(g), "byte " + i + " flipped");
        }
        for (int n = 0; n < good.length; n++) {
            Path g = dir.resolve("cut.bin");
            Files.write(g, java.util.Arrays.copyOf(good, n));
            assertThrows(CheckpointException.class, () -> Checkpoint.read(g), "cut at " + n);
        }
    }

    @Test
    void aFailedWriteKeepsTheOldFileAndLeavesNoTemporaryFile() throws IOException {
        Path f = dir.resolve("c.bin");
        Checkpoint.write(f, header(), tensors());
        byte[] before = Files.readAllBytes(f);
        Path tmp = dir.resolve("c.bin" + AtomicFiles.TMP_SUFFIX);
        Files.createSymbolicLink(tmp, Path.of("/dev/full"));   // the disk is full
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> Checkpoint.write(f, header(), tensors()));
        assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(f));
        assertFalse(Files.exists(tmp, java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void runFolderRemovesLeftoversOfACrashedWrite() throws IOException {
        Files.writeString(dir.resolve("checkpoint.bin.tmp"), "half");
        Files.writeString(dir.resolve("summary.json.tmp"), "half");
        Files.writeString(dir.resolve("notes.tmp"), "the user's");
        new RunFolder(dir).prepare();
        assertFalse(Files.exists(dir.resolve("checkpoint.bin.tmp")));
        assertFalse(Files.exists(dir.resolve("summary.json.tmp")));
        assertTrue(Files.exists(dir.resolve("notes.tmp")));
    }
}
