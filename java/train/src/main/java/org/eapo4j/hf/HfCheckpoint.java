package org.eapo4j.hf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The weight files of a model folder: {@code model.safetensors}, or the shards listed in
 * {@code model.safetensors.index.json}. Every file's header is validated on open; for sharded checkpoints the index
 * and the shards must agree (each mapped tensor in the file the index names, no tensor in a shard the index leaves
 * out). Close it to release the files.
 */
public final class HfCheckpoint implements AutoCloseable {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final List<SafeTensorsFile> files;
    private final Map<String, SafeTensorsFile> byTensor;

    private HfCheckpoint(List<SafeTensorsFile> files, Map<String, SafeTensorsFile> byTensor) {
        this.files = files;
        this.byTensor = byTensor;
    }

    public static HfCheckpoint open(Path dir) {
        if (Files.isRegularFile(dir.resolve(SINGLE))) {
            SafeTensorsFile f = SafeTensorsFile.open(dir.resolve(SINGLE));
            Map<String, SafeTensorsFile> by = new LinkedHashMap<>();
            for (String n : f.entries().keySet()) by.put(n, f);
            return new HfCheckpoint(List.of(f), by);
        }
        Path index = dir.resolve(INDEX);
        if (!Files.isRegularFile(index))
            throw HfFormatException.at(dir, "no weights: neither " + SINGLE + " nor " + INDEX);
        return openSharded(dir, index);
    }

    private static HfCheckpoint openSharded(Path dir, Path index) {
        JsonNode map;
        try {
            map = new ObjectMapper().readTree(index.toFile()).get("weight_map");
        } catch (IOException e) {
            throw HfFormatException.at(index, "not valid JSON", e);
        }
        if (map == null || !map.isObject() || map.isEmpty()) throw HfFormatException.at(index, "no weight_map");
        Map<String, SafeTensorsFile> shards = new LinkedHashMap<>();
        Map<String, SafeTensorsFile> byTensor = new LinkedHashMap<>();
        List<SafeTensorsFile> opened = new ArrayList<>();
        try {
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String shard = e.getValue().asText();
                Path p = dir.resolve(shard).normalize();
                if (!e.getValue().isTextual() || !p.getParent().equals(dir.normalize()))
                    throw HfFormatException.at(index, "tensor '" + e.getKey() + "': bad shard name " + e.getValue());
                SafeTensorsFile f = shards.get(shard);
                if (f == null) {
                    f = SafeTensorsFile.open(p);
                    opened.add(f);
                    shards.put(shard, f);
                }
                if (!f.entries().containsKey(e.getKey()))
                    throw HfFormatException.at(p, "tensor '" + e.getKey() + "' is missing (" + INDEX + " puts it here)");
                byTensor.put(e.getKey(), f);
            }
            for (SafeTensorsFile f : opened)
                for (String n : f.entries().keySet())
                    if (byTensor.get(n) != f)
                        throw HfFormatException.at(f.path(), "tensor '" + n + "' is not in " + INDEX
                                + (byTensor.containsKey(n) ? " for this shard" : ""));
        } catch (RuntimeException e) {
            opened.forEach(SafeTensorsFile::close);
            throw e;
        }
        return new HfCheckpoint(opened, byTensor);
    }

    /** Tensor name to the file that holds it, in file order. */
    public Map<String, SafeTensorsFile> tensors() {
        return byTensor;
    }

    public SafeTensorsFile.Entry entry(String name) {
        return byTensor.get(name).entry(name);
    }

    @Override
    public void close() {
        files.forEach(SafeTensorsFile::close);
    }
}
