package org.eapo4j.hf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.hf.HfLayers.Linear;
import org.eapo4j.hf.HfLayers.LoraAdapter;
import org.eapo4j.tensors.HostTensors;

/**
 * LoRA adapters of an {@link HfDecoder} in PEFT's layout: attaching fresh ones ({@link HfModels#applyLora}), reading
 * and writing an adapter folder ({@code adapter_config.json} + {@code adapter_model.safetensors} with PEFT's tensor
 * names {@code base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight} [r, in] and {@code ...lora_B.weight}
 * [out, r]), and merging them into the base weights (W' = W + lora_alpha / r * B A).
 *
 * <p>Ownership: the adapters are tensors of the decoder, freed with it; nothing here keeps a tensor.
 */
public final class LoraAdapters {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    /** What PEFT's {@code PeftModelForCausalLM} puts before the transformers names in a saved adapter. */
    static final String PREFIX = "base_model.model.";

    private LoraAdapters() {}

    /** The adapters' dtype: the base's when float32/float64, else float32 (PEFT's default autocast_adapter_dtype). */
    static ScalarType adapterDtype(HfDecoder m) {
        ScalarType d = m.dtype().intern();
        return d == ScalarType.Float || d == ScalarType.Double ? d : ScalarType.Float;
    }

    /** Full module name to linear layer, for every block linear {@code config} targets; refuses targets that match none. */
    static Map<String, Linear> targets(HfDecoder m, LoraConfig config) {
        Map<String, Linear> all = m.blockLinears(), hit = new LinkedHashMap<>();
        for (Map.Entry<String, Linear> e : all.entrySet()) if (config.targets(e.getKey())) hit.put(e.getKey(), e.getValue());
        if (config.allLinear()) return hit;
        for (String t : config.targetModules()) {
            boolean any = all.keySet().stream().anyMatch(n -> n.equals(t) || n.endsWith("." + t));
            if (any) continue;
            String last = t.substring(t.lastIndexOf('.') + 1);
            if (last.equals("lm_head") || last.equals("embed_tokens") || last.endsWith("norm"))
                throw new IllegalArgumentException("target_modules: '" + t + "' is not a linear layer of the decoder "
                        + "blocks (the embeddings, norms and lm_head are never adapted); the block layers are "
                        + LoraConfig.LINEAR_MODULES);
            throw new IllegalArgumentException("target_modules: '" + t + "' matches no linear layer of the model "
                    + "(its block layers are " + LoraConfig.LINEAR_MODULES + ", under model.layers.0.."
                    + (m.config().numLayers() - 1) + ")");
        }
        return hit;
    }

    /** See {@link HfModels#applyLora}. */
    static HfDecoder apply(HfDecoder model, LoraConfig config, long seed) {
        checkPlain(model);
        if (config == null) throw new IllegalArgumentException("config: null");
        Map<String, Linear> targets = targets(model, config);
        ScalarType dt = adapterDtype(model);
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, LoraAdapter> adapters = new LinkedHashMap<>();
        try (Device dev = new Device(model.device())) {
            for (Map.Entry<String, Linear> e : targets.entrySet()) {
                long in = e.getValue().inFeatures(), out = e.getValue().outFeatures();
                // kaiming_uniform_(A, a = sqrt(5)) on [r, in]: gain sqrt(2 / (1 + 5)), bound gain * sqrt(3 / in)
                double bound = Math.sqrt(2.0 / 6.0) * Math.sqrt(3.0 / in);
                float[] a = new float[Math.toIntExact(config.r() * in)];
                for (int i = 0; i < a.length; i++) a[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
                Tensor ta, tb;
                try (Tensor host = HostTensors.fromFloats(a, config.r(), in)) {
                    ta = host.to(dev, dt);
                }
                try (Tensor host = HostTensors.fromFloats(new float[Math.toIntExact(out * config.r())], out, config.r())) {
                    tb = host.to(dev, dt);
                }
                adapters.put(e.getKey(), trainable(ta, tb, config));
            }
        } catch (RuntimeException e) {
            adapters.values().forEach(LoraAdapter::close);
            throw e;
        }
        model.setLora(config, adapters);
        return model;
    }

    private static LoraAdapter trainable(Tensor a, Tensor b, LoraConfig c) {
        a.set_requires_grad(true);
        b.set_requires_grad(true);
        return new LoraAdapter(a, b, c.scaling(), c.loraDropout());
    }

    private static void checkPlain(HfDecoder model) {
        if (model == null) throw new IllegalArgumentException("model: null");
        if (model.lora() != null)
            throw new IllegalArgumentException("model: already has LoRA adapters (one adapter per model)");
    }

    private static LoraConfig requireLora(HfDecoder model) {
        if (model == null) throw new IllegalArgumentException("model: null");
        if (model.lora() == null) throw new IllegalArgumentException("model: has no LoRA adapters");
        return model.lora();
    }

    /**
     * Writes the adapters of {@code model} to {@code dir} (created if needed) as PEFT does: {@value #CONFIG} and
     * {@value #WEIGHTS} in the adapters' dtype. {@code target_modules} lists the module names as given, or for
     * "all-linear" the layer names it matched (PEFT writes the expanded list too).
     *
     * @param baseModelNameOrPath what {@code base_model_name_or_path} records (a hub id or a folder); may be null
     */
    public static void save(HfDecoder model, Path dir, String baseModelNameOrPath) {
        LoraConfig c = requireLora(model);
        if (dir == null) throw new IllegalArgumentException("dir: null");
        ObjectNode j = new ObjectMapper().createObjectNode();
        j.putObject("alpha_pattern");
        j.putNull("auto_mapping");
        if (baseModelNameOrPath == null) j.putNull("base_model_name_or_path");
        else j.put("base_model_name_or_path", baseModelNameOrPath);
        j.put("bias", "none");
        j.put("fan_in_fan_out", false);
        j.put("inference_mode", true);
        j.put("init_lora_weights", true);
        j.putNull("layers_pattern");
        j.putNull("layers_to_transform");
        if (c.loraAlpha() == Math.rint(c.loraAlpha()) && Math.abs(c.loraAlpha()) < 1 << 30)
            j.put("lora_alpha", (int) c.loraAlpha());   // PEFT's field is an int in most configs
        else j.put("lora_alpha", c.loraAlpha());
        j.put("lora_bias", false);
        j.put("lora_dropout", c.loraDropout());
        j.putNull("modules_to_save");
        j.put("peft_type", "LORA");
        j.put("r", c.r());
        j.putObject("rank_pattern");
        j.putNull("revision");
        ArrayNode t = j.putArray("target_modules");
        if (c.allLinear()) {
            Set<String> names = new LinkedHashSet<>();
            for (String n : targets(model, c).keySet()) names.add(n.substring(n.lastIndexOf('.') + 1));
            names.forEach(t::add);
        } else c.targetModules().forEach(t::add);
        j.put("task_type", "CAUSAL_LM");
        j.put("use_dora", false);
        j.put("use_rslora", false);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try {
            Files.createDirectories(dir);
            model.namedParameters().forEach((k, v) -> tensors.put(PREFIX + k, v));
            SafeTensorsWriter.write(dir.resolve(WEIGHTS), tensors, Map.of("format", "pt"));
            Path tmp = dir.resolve(CONFIG + ".tmp");
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), j);
            Files.move(tmp, dir.resolve(CONFIG), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw HfFormatException.at(dir, "cannot save the adapter", e);
        } finally {
            tensors.values().forEach(Tensor::close);
        }
    }

    /**
     * The LoRA settings of the PEFT adapter folder {@code dir} ({@value #CONFIG}). Settings that change what the
     * adapter computes and that eapo4j does not implement (DoRA, rsLoRA, per-module ranks, biases, modules_to_save,
     * a regular-expression target_modules, ...) are refused by name rather than ignored.
     *
     * @throws HfFormatException naming the file and the field
     */
    public static LoraConfig readConfig(Path dir) {
        Path f = dir.resolve(CONFIG);
        if (!Files.isRegularFile(f)) throw HfFormatException.at(f, "file not found (not a PEFT adapter folder)");
        JsonNode j;
        try {
            j = new ObjectMapper().readTree(f.toFile());
        } catch (IOException e) {
            throw HfFormatException.at(f, "not valid JSON", e);
        }
        if (j == null || !j.isObject()) throw HfFormatException.at(f, "not a JSON object");
        String type = j.path("peft_type").asText("");
        if (!type.equals("LORA")) throw HfFormatException.at(f, "peft_type is '" + type + "', only LORA is read");
        JsonNode task = j.get("task_type");
        if (task != null && !task.isNull() && !task.asText().equals("CAUSAL_LM"))
            throw HfFormatException.at(f, "task_type is '" + task.asText() + "', only CAUSAL_LM is read");
        refuseUnless(f, j, "bias", n -> n.isTextual() && n.asText().equals("none"), "\"none\"");
        for (String flag : List.of("use_dora", "use_rslora", "fan_in_fan_out", "lora_bias"))
            refuseUnless(f, j, flag, n -> n.isBoolean() && !n.asBoolean(), "false");
        for (String pattern : List.of("rank_pattern", "alpha_pattern"))
            refuseUnless(f, j, pattern, n -> n.isObject() && n.isEmpty(), "empty");
        for (String none : List.of("layers_to_transform", "layer_replication"))
            refuseUnless(f, j, none, n -> false, "null");
        // fields of newer PEFT versions that change which weights are adapted or trained
        for (String none : List.of("modules_to_save", "exclude_modules", "target_parameters", "trainable_token_indices",
                "alora_invocation_tokens"))
            refuseUnless(f, j, none, n -> (n.isArray() || n.isObject()) && n.isEmpty()
                    || n.isTextual() && n.asText().isEmpty(), "null");
        refuseUnless(f, j, "use_qalora", n -> n.isBoolean() && !n.asBoolean(), "false");
        JsonNode r = j.get("r"), alpha = j.get("lora_alpha"), drop = j.get("lora_dropout"), tm = j.get("target_modules");
        if (r == null || !r.canConvertToInt() || !r.isIntegralNumber()) throw HfFormatException.at(f, "r is not an integer");
        if (alpha == null || !alpha.isNumber()) throw HfFormatException.at(f, "lora_alpha is not a number");
        if (drop != null && !drop.isNull() && !drop.isNumber()) throw HfFormatException.at(f, "lora_dropout is not a number");
        List<String> targets = new ArrayList<>();
        if (tm != null && tm.isTextual()) {
            if (!tm.asText().equals(LoraConfig.ALL_LINEAR))
                throw HfFormatException.at(f, "target_modules is a regular expression ('" + tm.asText() + "'): only "
                        + "a list of module names or \"all-linear\" is read");
            targets.add(LoraConfig.ALL_LINEAR);
        } else if (tm != null && tm.isArray()) {
            for (JsonNode n : tm) {
                if (!n.isTextual()) throw HfFormatException.at(f, "target_modules holds a non-string " + n);
                targets.add(n.asText());
            }
        } else throw HfFormatException.at(f, "target_modules is not a list of module names");
        try {
            return new LoraConfig(r.asInt(), alpha.asDouble(), drop == null || drop.isNull() ? 0.0 : drop.asDouble(),
                    targets);
        } catch (IllegalArgumentException e) {
            throw HfFormatException.at(f, e.getMessage());
        }
    }

    private static void refuseUnless(Path f, JsonNode j, String field, java.util.function.Predicate<JsonNode> ok,
                                     String want) {
        JsonNode n = j.get(field);
        if (n == null || n.isNull() || ok.test(n)) return;
        throw HfFormatException.at(f, field + " is " + n + ": only " + want + " is supported");
    }

    /**
     * Attaches the adapter in {@code dir} to {@code model} (which has none), checking every tensor name, shape and
     * that nothing is missing or left over before any is copied. See {@link HfModels#load(Path, Path, ScalarType,
     * String)}.
     */
    static HfDecoder load(HfDecoder model, Path dir) {
        checkPlain(model);
        LoraConfig c = readConfig(dir);
        Map<String, Linear> targets = targets(model, c);
        Path file = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(file))
            throw HfFormatException.at(file, "file not found" + (Files.exists(dir.resolve("adapter_model.bin"))
                    ? " (adapter_model.bin is there: only safetensors adapters are read)" : ""));
        ScalarType dt = adapterDtype(model);
        Map<String, LoraAdapter> adapters = new LinkedHashMap<>();
        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            Map<String, long[]> want = new LinkedHashMap<>();
            for (Map.Entry<String, Linear> e : targets.entrySet()) {
                want.put(PREFIX + e.getKey() + ".lora_A.weight", new long[] {c.r(), e.getValue().inFeatures()});
                want.put(PREFIX + e.getKey() + ".lora_B.weight", new long[] {e.getValue().outFeatures(), c.r()});
            }
            for (Map.Entry<String, long[]> w : want.entrySet()) {
                if (!st.entries().containsKey(w.getKey()))
                    throw HfFormatException.at(file, "tensor '" + w.getKey() + "' is missing (" + CONFIG + " targets "
                            + c.targetModules() + " with r = " + c.r() + ")");
                long[] s = st.entry(w.getKey()).shape();
                if (!Arrays.equals(s, w.getValue()))
                    throw HfFormatException.at(file, "tensor '" + w.getKey() + "' has shape " + Arrays.toString(s)
                            + ", the model and r = " + c.r() + " imply " + Arrays.toString(w.getValue()));
                SafeDtype d = st.entry(w.getKey()).dtype();
                if (d != SafeDtype.F32 && d != SafeDtype.BF16 && d != SafeDtype.F16 && d != SafeDtype.F64)
                    throw HfFormatException.at(file, "tensor '" + w.getKey() + "' is " + d + ", not a float type");
            }
            for (String n : st.entries().keySet())
                if (!want.containsKey(n))
                    throw HfFormatException.at(file, "unexpected tensor '" + n + "' (not a lora_A/lora_B weight of a "
                            + "module that " + CONFIG + " targets in this model)");
            try (Device dev = new Device(model.device())) {
                for (String module : targets.keySet()) {
                    Tensor a = read(st, PREFIX + module + ".lora_A.weight", dev, dt);
                    Tensor b;
                    try {
                        b = read(st, PREFIX + module + ".lora_B.weight", dev, dt);
                    } catch (RuntimeException e) {
                        a.close();
                        throw e;
                    }
                    adapters.put(module, trainable(a, b, c));
                }
            }
        } catch (RuntimeException e) {
            adapters.values().forEach(LoraAdapter::close);
            throw e;
        }
        model.setLora(c, adapters);
        return model;
    }

    private static Tensor read(SafeTensorsFile st, String name, Device dev, ScalarType dt) {
        try (Tensor host = st.read(name)) {
            return host.to(dev, dt);
        }
    }

    /**
     * Folds the adapters into the base weights in place (W += lora_alpha / r * B A, computed in the adapters' dtype
     * and added into W's), frees the adapters and unfreezes the base: {@code model} is then a plain model that
     * {@link HfModels#save} writes as a Hugging Face folder. Refused while a reference view
     * ({@link HfDecoder#frozenCopy()}) is open, since the view's base would change under it.
     *
     * @return {@code model}
     */
    public static HfDecoder merge(HfDecoder model) {
        LoraConfig c = requireLora(model);
        if (model.openReferenceViews() > 0)
            throw new IllegalArgumentException("model: " + model.openReferenceViews() + " reference view(s) "
                    + "(frozenCopy) are open and share the base weights: close them before merging");
        try (NoGradGuard g = new NoGradGuard()) {
            for (Linear l : model.blockLinears().values()) {
                LoraAdapter a = l.lora;
                if (a == null) continue;
                try (Tensor ba = torch.mm(a.b, a.a); Tensor delta = ba.mul(new Scalar(c.scaling()))) {
                    l.weight.add_(delta);
                }
                a.close();
                l.lora = null;
            }
        }
        model.setLora(null, Map.of());
        return model;
    }
}
