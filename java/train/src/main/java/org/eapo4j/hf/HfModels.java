package org.eapo4j.hf;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.model.CausalLM;

/**
 * Loads and saves Hugging Face model folders (config.json + model.safetensors or sharded safetensors; model_type
 * llama, mistral, qwen2, qwen3). Every checkpoint tensor is checked against what the config implies before any is
 * copied: a missing, unexpected, misshapen or wrongly typed tensor is a {@link HfFormatException} naming the file and
 * the tensor. Weights are copied from memory-mapped files straight into the parameters, one tensor at a time.
 */
public final class HfModels {
    /** Tokenizer and generation files copied verbatim on save. */
    static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "generation_config.json", "special_tokens_map.json", "chat_template.jinja", "chat_template.json",
            "tokenizer.model", "vocab.json", "merges.txt", "added_tokens.json");

    private HfModels() {}

    /** The model in {@code dir} on the CPU, in the dtype of its weights. The caller closes it. */
    public static CausalLM load(Path dir) {
        return load(dir, null, "cpu");
    }

    /**
     * The model in {@code dir}, with parameters in {@code dtype} (null: the weights' own dtype) on {@code device}
     * ("cpu", "cuda", "cuda:1"). The caller closes it.
     */
    public static HfDecoder load(Path dir, ScalarType dtype, String device) {
        HfConfig config = HfConfig.read(dir);
        try (HfCheckpoint ckpt = HfCheckpoint.open(dir)) {
            SafeDtype weights = weightDtype(dir, config, ckpt);
            HfDecoder model = new HfDecoder(config, dtype == null ? weights.scalarType : dtype, device, dir);
            try {
                Map<String, Tensor> params = model.baseParameters();
                check(dir, config, ckpt, params, weights);
                for (Map.Entry<String, Tensor> e : params.entrySet())
                    ckpt.tensors().get(e.getKey()).copyInto(e.getKey(), e.getValue());
                params.values().forEach(Tensor::close);
                return model;
            } catch (RuntimeException e) {
                model.close();
                throw e;
            }
        }
    }

    /**
     * A freshly initialised model of {@code config} (weights ~ N(0, 0.02) from LibTorch's generator after
     * {@code manual_seed(seed)}, norms 1, biases 0, as {@code transformers} initialises): for benchmarks and tests
     * that need a model of a real shape without its weights. The caller closes it.
     */
    public static HfDecoder random(HfConfig config, ScalarType dtype, String device, long seed) {
        HfDecoder m = new HfDecoder(config, dtype, device, null);
        torch.manual_seed(seed);
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : m.baseParameters().entrySet()) {
                Tensor p = e.getValue();
                if (e.getKey().endsWith("norm.weight")) p.fill_(new Scalar(1.0));
                else if (e.getKey().endsWith(".bias")) p.zero_();
                else p.normal_(0.0, 0.02, null);
                p.close();
            }
        }
        return m;
    }

    /**
     * The base model in {@code baseDir} with the PEFT LoRA adapter in {@code adapterDir} attached (to evaluate it or
     * to train it further): {@link LoraAdapters#readConfig} reads its settings; every adapter tensor is checked
     * (names, shapes) before any is copied. The adapters are float32 unless the base is float64. The caller closes
     * the model.
     */
    public static HfDecoder load(Path baseDir, Path adapterDir, ScalarType dtype, String device) {
        if (adapterDir == null) throw new IllegalArgumentException("adapterDir: null");
        HfDecoder model = load(baseDir, dtype, device);
        try {
            return LoraAdapters.load(model, adapterDir);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Attaches fresh LoRA adapters to {@code model} in place, as PEFT's {@code get_peft_model} does: every block linear
     * layer that {@code config} targets gets A [r, in] drawn as {@code kaiming_uniform_(a = sqrt(5))} (uniform in
     * +-1/sqrt(in)) and B [out, r] = 0, so the outputs are unchanged until B moves. The base weights are frozen
     * (requires_grad false) and {@link HfDecoder#namedParameters()} returns the adapters from then on. A is drawn from
     * a {@link java.util.SplittableRandom} seeded with {@code seed}, so the same seed gives the same adapters on
     * every device and process (LibTorch's global generator is left alone).
     *
     * @return {@code model}, which owns the adapters (freed by its {@code close})
     * @throws IllegalArgumentException {@code model} already has adapters, or a {@code target_modules} entry
     *                                  matches no linear layer of the blocks (named)
     */
    public static HfDecoder applyLora(HfDecoder model, LoraConfig config, long seed) {
        return LoraAdapters.apply(model, config, seed);
    }

    private static SafeDtype weightDtype(Path dir, HfConfig config, HfCheckpoint ckpt) {
        if (config.torchDtype() != null) return config.torchDtype();
        SafeTensorsFile f = ckpt.tensors().get("model.embed_tokens.weight");
        if (f == null) throw HfFormatException.at(weightsName(dir, ckpt), "tensor 'model.embed_tokens.weight' is missing");
        return f.entry("model.embed_tokens.weight").dtype();
    }

    /** Names, shapes and dtypes of the checkpoint against the parameters the config implies. */
    private static void check(Path dir, HfConfig config, HfCheckpoint ckpt, Map<String, Tensor> params,
                              SafeDtype weights) {
        List<String> problems = new ArrayList<>();
        String dtypeSource = config.torchDtype() != null ? "config.json torch_dtype is " + weights.torchName()
                : "model.embed_tokens.weight is " + weights;
        for (Map.Entry<String, Tensor> p : params.entrySet()) {
            SafeTensorsFile f = ckpt.tensors().get(p.getKey());
            if (f == null) {
                problems.add(weightsName(dir, ckpt) + ": tensor '" + p.getKey() + "' is missing (config.json: "
                        + config.modelType() + " with " + config.numLayers() + " layers expects it)");
                continue;
            }
            SafeTensorsFile.Entry e = f.entry(p.getKey());
            long[] want = HfDecoder.shape(p.getValue());
            if (!Arrays.equals(e.shape(), want))
                problems.add(f.path() + ": tensor '" + p.getKey() + "' has shape " + Arrays.toString(e.shape())
                        + " but config.json implies " + Arrays.toString(want));
            else if (e.dtype() != weights)
                problems.add(f.path() + ": tensor '" + p.getKey() + "' is " + e.dtype() + " but " + dtypeSource);
        }
        for (Map.Entry<String, SafeTensorsFile> t : ckpt.tensors().entrySet()) {
            String n = t.getKey();
            if (params.containsKey(n) || ignorable(n, config)) continue;
            problems.add(t.getValue().path() + ": unexpected tensor '" + n + "' (not part of a " + config.modelType()
                    + " model with this config.json)");
        }
        if (!problems.isEmpty())
            throw new HfFormatException(problems.get(0)
                    + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more problems)" : ""));
    }

    /**
     * Tensors {@code transformers} also ignores on load: rotary inverse-frequency buffers of old exports, and
     * lm_head.weight when the config ties it to the embeddings (the embeddings are used).
     */
    private static boolean ignorable(String name, HfConfig config) {
        return name.endsWith(".rotary_emb.inv_freq") || (config.tieEmbeddings() && name.equals("lm_head.weight"));
    }

    private static Path weightsName(Path dir, HfCheckpoint ckpt) {
        return Files.isRegularFile(dir.resolve(HfCheckpoint.SINGLE)) ? dir.resolve(HfCheckpoint.SINGLE)
                : dir.resolve(HfCheckpoint.INDEX);
    }

    /**
     * Writes {@code model} (loaded by {@link #load}) to {@code dir} as a Hugging Face folder: config.json, one
     * model.safetensors in the parameters' dtype, and the tokenizer files of the folder it was loaded from.
     * {@code dir} may be new, the source folder, or a folder without other weight files. A model with LoRA adapters
     * is refused: write the adapters with {@link LoraAdapters#save}, or merge them first ({@link LoraAdapters#merge}).
     */
    public static void save(CausalLM model, Path dir) {
        if (!(model instanceof HfDecoder m))
            throw new IllegalArgumentException("model: only Hugging Face models (HfModels.load) can be saved as a "
                    + "Hugging Face folder, got " + model.getClass().getSimpleName());
        if (m.lora() != null)
            throw new IllegalArgumentException("model: has LoRA adapters; write them with LoraAdapters.save (PEFT "
                    + "layout) or fold them in with LoraAdapters.merge before saving a full model");
        try {
            Files.createDirectories(dir);
            refuseOtherWeights(dir);
            Map<String, Tensor> params = m.baseParameters();
            try {
                SafeTensorsWriter.write(dir.resolve(HfCheckpoint.SINGLE), params, Map.of("format", "pt"));
            } finally {
                params.values().forEach(Tensor::close);
            }
            ObjectNode cfg = m.config().raw().deepCopy();
            String dtype = SafeDtype.of(m.dtype()).torchName();
            cfg.put("torch_dtype", dtype);
            if (!cfg.has("architectures"))   // vLLM picks the model class by this name
                cfg.putArray("architectures").add(switch (m.config().modelType()) {
                    case "mistral" -> "MistralForCausalLM";
                    case "qwen2" -> "Qwen2ForCausalLM";
                    case "qwen3" -> "Qwen3ForCausalLM";
                    default -> "LlamaForCausalLM";
                });
            if (cfg.has("dtype")) cfg.put("dtype", dtype);
            Path tmp = dir.resolve(HfConfig.FILE + ".tmp");
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), cfg);
            Files.move(tmp, dir.resolve(HfConfig.FILE), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            Path src = m.source();
            if (src != null && Files.isDirectory(src) && !Files.isSameFile(src, dir))
                for (String name : TOKENIZER_FILES)
                    if (Files.isRegularFile(src.resolve(name)))
                        Files.copy(src.resolve(name), dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw HfFormatException.at(dir, "cannot save the model", e);
        }
    }

    /** A sharded index or other safetensors files beside ours would be loaded too by tools that glob *.safetensors. */
    private static void refuseOtherWeights(Path dir) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.safetensors*")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.equals(HfCheckpoint.SINGLE))
                    throw HfFormatException.at(dir, "already holds " + n + ": save to a folder without other weight "
                            + "files");
            }
        }
    }
}
