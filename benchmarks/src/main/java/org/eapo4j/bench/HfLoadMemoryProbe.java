package org.eapo4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.hf.HfConfig;
import org.eapo4j.hf.HfDecoder;
import org.eapo4j.hf.HfModels;
import org.eapo4j.model.CausalLM;

/**
 * Peak resident memory while loading a Hugging Face checkpoint, against the size of its weights. Two steps, each in
 * its own JVM so the load is measured in a process that has not held the weights before:
 * {@code java ... HfLoadMemoryProbe write DIR [LAYERS] [DTYPE]} writes a random Qwen2-0.5B-shaped checkpoint, then
 * {@code java ... HfLoadMemoryProbe load DIR} resets the peak-RSS counter (writing 5 to /proc/self/clear_refs),
 * loads the folder and prints {@code HFLOADMEM weights=B rssBefore=B peakDelta=B afterDelta=B ratio=R}: the peak
 * growth of resident memory during the load divided by the weights' bytes (1.0 = no second copy at any time).
 */
public final class HfLoadMemoryProbe {
    private HfLoadMemoryProbe() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[1]);
        if (args[0].equals("write")) {
            int layers = args.length > 2 ? Integer.parseInt(args[2]) : 2;
            ScalarType dt = args.length > 3 ? ScalarType.valueOf(args[3]) : ScalarType.Float;
            var cfg = HfModelsForBench.qwen2HalfB(layers);
            cfg.put("torch_dtype", dt == ScalarType.BFloat16 ? "bfloat16" : "float32");
            try (HfDecoder m = HfModels.random(HfConfig.parse(dir.resolve("config.json"), cfg), dt, "cpu", 1)) {
                HfModels.save(m, dir);
            }
            return;
        }
        long weights = Files.size(dir.resolve("model.safetensors"));
        // the LibTorch natives and the loader's classes are loaded (and touched) before the measurement starts
        try (org.bytedeco.pytorch.Tensor warm = org.bytedeco.pytorch.global.torch.ones(4)) {
            warm.add(warm).close();
        }
        HfConfig.read(dir);
        System.gc();
        long before = status("VmRSS");
        Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        long after;
        try (CausalLM m = HfModels.load(dir)) {
            after = status("VmRSS");
        }
        long peak = status("VmHWM");
        System.out.printf(Locale.ROOT, "HFLOADMEM weights=%d rssBefore=%d peakDelta=%d afterDelta=%d ratio=%.3f%n",
                weights, before, peak - before, after - before, (peak - before) / (double) weights);
    }

    /** A /proc/self/status field in bytes. */
    static long status(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status")))
            if (line.startsWith(key + ":")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        throw new IllegalStateException("no " + key + " in /proc/self/status");
    }
}
