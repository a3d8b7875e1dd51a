package org.eapo4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.hf.HfDecoder;
import org.eapo4j.hf.HfModels;
import org.eapo4j.hf.LoraAdapters;
import org.eapo4j.hf.SafeDtype;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code eapo4j merge --model BASE --adapter DIR --out DIR}: a Hugging Face base folder plus a PEFT LoRA adapter
 * folder, written as one Hugging Face folder with the adapters folded in (W' = W + lora_alpha / r * B A).
 */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Merge a PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors) into its base "
                + "Hugging Face model and write the result as a Hugging Face model folder.")
public final class MergeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "base Hugging Face model folder") Path model;
    @Option(names = "--adapter", required = true, description = "PEFT LoRA adapter folder") Path adapter;
    @Option(names = "--out", required = true, description = "output folder (new, or without other weight files)")
    Path out;
    @Option(names = "--dtype", description = "dtype of the merged weights: float32, bfloat16, float16 (default: the "
            + "base weights')") String dtype;

    @Override
    public Integer call() {
        if (!Files.isDirectory(model)) throw new IllegalArgumentException("--model " + model + ": not a folder");
        if (!Files.isDirectory(adapter)) throw new IllegalArgumentException("--adapter " + adapter + ": not a folder");
        if (Files.exists(out) && !Files.isDirectory(out))
            throw new IllegalArgumentException("--out " + out + ": exists and is not a folder");
        if (Files.exists(out) && (isSame(out, model) || isSame(out, adapter)))
            throw new IllegalArgumentException("--out must differ from --model and --adapter");
        ScalarType dt = null;
        if (dtype != null) {
            SafeDtype d = SafeDtype.ofTorchName(dtype);
            if (d == null) throw new IllegalArgumentException("--dtype must be float32, bfloat16 or float16, got "
                    + dtype);
            dt = d.scalarType;
        }
        try (HfDecoder m = HfModels.load(model, adapter, dt, "cpu")) {
            LoraAdapters.merge(m);
            HfModels.save(m, out);
        }
        System.out.println("merged " + adapter + " into " + model + ": " + out);
        return 0;
    }

    private static boolean isSame(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
