package org.eapo4j.train;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a file all or nothing: into {@code NAME.tmp} beside it, flushed and synced to disk, then renamed over
 * {@code NAME}. A failed write deletes its temporary file and leaves the old file as it was.
 */
public final class AtomicFiles {
    /** Suffix of the temporary files; {@link RunFolder} removes leftovers of a crashed process. */
    public static final String TMP_SUFFIX = ".tmp";

    /** The content writer; it must not close the stream. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /** The content writer of a channel (for large native buffers); it must not close the channel. */
    @FunctionalInterface
    public interface ChannelBody {
        void writeTo(FileChannel out) throws IOException;
    }

    private AtomicFiles() {}

    /** @throws UncheckedIOException naming the file and the reason (e.g. "No space left on device") */
    public static void write(Path file, Body body) {
        writeTemporary(file, body::writeTo);
    }

    /** As {@link #write(Path, Body)}, writing through the temporary file's channel. */
    public static void writeChannel(Path file, ChannelBody body) {
        writeTemporary(file, fos -> body.writeTo(fos.getChannel()));
    }

    private interface StreamBody {
        void writeTo(FileOutputStream out) throws IOException;
    }

    private static void writeTemporary(Path file, StreamBody body) {
        Path tmp = file.resolveSibling(file.getFileName() + TMP_SUFFIX);
        boolean done = false;
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            try (FileOutputStream fos = new FileOutputStream(tmp.toFile())) {
                body.writeTo(fos);
                fos.flush();
                fos.getFD().sync();
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + reason(e), e);
        } finally {
            if (!done) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the write already failed; that error is the one to report
                }
            }
        }
    }

    public static void writeString(Path file, String text) {
        write(file, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** A short reason for an I/O failure: the OS message, or the exception type. */
    public static String reason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        if (e instanceof java.nio.file.FileSystemException fs && fs.getReason() != null) return fs.getReason();
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
