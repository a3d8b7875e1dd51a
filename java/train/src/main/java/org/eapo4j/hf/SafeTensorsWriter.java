package org.eapo4j.hf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bytedeco.pytorch.Tensor;

/**
 * Writes tensors as one safetensors file in their own dtypes: header entries in the given order, data contiguous in
 * that order, the header padded with spaces to a multiple of 8 bytes (as the reference writer does, so data is
 * aligned). The file is written beside the target and moved into place, so a failed write leaves no half file.
 */
public final class SafeTensorsWriter {
    private static final int WRITE_CHUNK = 1 << 26;

    private SafeTensorsWriter() {}

    /** Writes {@code tensors} (any device, any strides) to {@code file}; {@code metadata} may be empty. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        ObjectMapper om = new ObjectMapper();
        ObjectNode header = om.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        Map<String, Tensor> host = new LinkedHashMap<>();
        try {
            long offset = 0;
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                Tensor t = e.getValue();
                SafeDtype dt = SafeDtype.of(t.scalar_type());
                Tensor h = TensorChannels.hostContiguous(t);
                host.put(e.getKey(), h);
                long n = h.numel() * dt.bytes;
                ObjectNode o = header.putObject(e.getKey());
                o.put("dtype", dt.name());
                ArrayNode shape = o.putArray("shape");
                for (int d = 0; d < h.dim(); d++) shape.add(h.size(d));
                o.putArray("data_offsets").add(offset).add(offset + n);
                offset += n;
            }
            byte[] json = om.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
            int pad = (8 - json.length % 8) % 8;
            ByteBuffer head = ByteBuffer.allocate(8 + json.length + pad).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(json.length + pad).put(json);
            for (int i = 0; i < pad; i++) head.put((byte) ' ');
            head.flip();
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                while (head.hasRemaining()) ch.write(head);
                for (Tensor h : host.values()) TensorChannels.write(ch, h, WRITE_CHUNK, null);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            for (Tensor h : host.values()) h.close();
        }
    }
}
