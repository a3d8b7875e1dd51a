package org.eapo4j.hf;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.Checksum;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;

/**
 * Moves a tensor's bytes between its native memory and a file, a chunk at a time: each chunk is a direct
 * {@link ByteBuffer} over the tensor's own memory, so no Java array of the tensor is ever made and sizes are longs
 * (a tensor over 2 GiB works). The bytes are those of the host, little-endian on every platform LibTorch ships for.
 */
public final class TensorChannels {
    private TensorChannels() {}

    /** A detached, contiguous CPU tensor with {@code t}'s values (sharing its memory when it already is one). */
    public static Tensor hostContiguous(Tensor t) {
        try (Tensor d = t.detach()) {
            if (d.is_cpu()) return d.contiguous();
            try (Tensor cpu = d.cpu()) {
                return cpu.contiguous();
            }
        }
    }

    public static long byteLength(Tensor t) {
        return t.numel() * t.element_size();
    }

    /**
     * Writes the bytes of {@code host} (contiguous, on the CPU) at the channel's position in chunks of
     * {@code chunk} bytes, adding them to {@code sum} when it is not null.
     */
    public static void write(FileChannel ch, Tensor host, int chunk, Checksum sum) throws IOException {
        long total = byteLength(host);
        if (total == 0) return;
        try (BytePointer base = new BytePointer(host.data_ptr())) {
            for (long at = 0; at < total; at += chunk) {
                ByteBuffer buf = slice(base, at, Math.min(chunk, total - at));
                if (sum != null) sum.update(buf.duplicate());
                while (buf.hasRemaining()) ch.write(buf);
            }
        }
    }

    /**
     * Fills {@code host} (contiguous, on the CPU) with the bytes at {@code position} of the channel, in chunks of
     * {@code chunk} bytes, adding them to {@code sum} when it is not null.
     *
     * @throws EOFException the file ends first
     */
    public static void read(FileChannel ch, long position, Tensor host, int chunk, Checksum sum) throws IOException {
        long total = byteLength(host);
        if (total == 0) return;
        try (BytePointer base = new BytePointer(host.data_ptr())) {
            for (long at = 0; at < total; at += chunk) {
                ByteBuffer buf = slice(base, at, Math.min(chunk, total - at));
                readFully(ch, buf, position + at);
                if (sum != null) sum.update(buf.flip());
            }
        }
    }

    /** Reads until {@code buf} is full; the file ending first is an {@link EOFException}. */
    public static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, position);
            if (r < 0) throw new EOFException("file ends at byte " + position);
            position += r;
        }
    }

    /** A direct buffer over {@code length} bytes of native memory from {@code base + offset}, at position 0. */
    private static ByteBuffer slice(BytePointer base, long offset, long length) {
        try (BytePointer p = new BytePointer(base)) {
            return p.position(offset).limit(offset + length).asBuffer().slice();   // asBuffer keeps the position
        }
    }
}
