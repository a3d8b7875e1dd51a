package org.eapo4j.hf;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The decoder shape read from a Hugging Face {@code config.json} (model_type llama, mistral, qwen2 or qwen3), with the
 * per-family defaults of {@code transformers} applied. Anything this decoder does not implement (another model_type,
 * another rope_scaling type, an activation other than SiLU, partial rotary embeddings) is refused when the config is
 * read; a sliding window is recorded and refused at run time once a sequence is long enough for it to matter.
 *
 * @param qkvBias        q/k/v projections have biases (Qwen2 always; Llama/Qwen3 with attention_bias)
 * @param outBias        the output projection has a bias (Llama/Qwen3 with attention_bias)
 * @param qkNorm         per-head RMSNorm of queries and keys before the rotation (Qwen3)
 * @param slidingWindow  attention span of the sliding-window layers, 0 when no layer slides
 * @param torchDtype     the dtype config.json declares for the weights, null when it declares none
 * @param raw            the file's JSON, kept to write it back on save
 */
public record HfConfig(String modelType, int vocabSize, int hiddenSize, int intermediateSize, int numLayers,
                       int numHeads, int numKvHeads, int headDim, double rmsNormEps, double ropeTheta,
                       RopeScaling ropeScaling, int maxPositions, boolean qkvBias, boolean outBias, boolean mlpBias,
                       boolean qkNorm, boolean tieEmbeddings, int slidingWindow, SafeDtype torchDtype,
                       ObjectNode raw) {

    public static final String FILE = "config.json";

    /** Reads {@code dir/config.json}. */
    public static HfConfig read(Path dir) {
        Path file = dir.resolve(FILE);
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw HfFormatException.at(file, "file not found");
        } catch (IOException e) {
            throw HfFormatException.at(file, "not valid JSON", e);
        }
        if (root == null || !root.isObject()) throw HfFormatException.at(file, "not a JSON object");
        return parse(file, (ObjectNode) root);
    }

    /** Interprets a config JSON object; {@code file} only names the source in error messages. */
    public static HfConfig parse(Path file, ObjectNode c) {
        Reader r = new Reader(file, c);
        String type = r.string("model_type", null);
        if (type == null) throw HfFormatException.at(file, "no model_type");
        if (!(type.equals("llama") || type.equals("mistral") || type.equals("qwen2") || type.equals("qwen3")))
            throw HfFormatException.at(file, "model_type '" + type + "' is not supported (llama, mistral, qwen2, qwen3)");
        int hidden = r.positiveInt("hidden_size", -1);
        int heads = r.positiveInt("num_attention_heads", -1);
        int kvHeads = r.positiveInt("num_key_value_heads", heads);
        if (heads % kvHeads != 0)
            throw HfFormatException.at(file, "num_attention_heads " + heads + " is not a multiple of "
                    + "num_key_value_heads " + kvHeads);
        // transformers: head_dim from the config when given (Qwen3's class default is 128), else hidden / heads
        int defaultHeadDim = type.equals("qwen3") ? 128 : (hidden % heads == 0 ? hidden / heads : -1);
        int headDim = r.positiveInt("head_dim", defaultHeadDim);
        if (headDim % 2 != 0) throw HfFormatException.at(file, "head_dim " + headDim + " is odd: no rotary pairs");
        String act = r.string("hidden_act", "silu");
        if (!act.equals("silu")) throw HfFormatException.at(file, "hidden_act '" + act + "' is not supported (silu)");
        if (c.hasNonNull("partial_rotary_factor") && c.get("partial_rotary_factor").asDouble() != 1.0)
            throw HfFormatException.at(file, "partial_rotary_factor " + c.get("partial_rotary_factor")
                    + " is not supported (1.0)");

        double theta = r.positiveDouble("rope_theta", 10000.0);
        JsonNode scalingNode = c.get("rope_scaling");
        if (c.hasNonNull("rope_parameters")) {   // transformers v5 layout: theta and type in one object
            JsonNode rp = c.get("rope_parameters");
            if (rp.hasNonNull("rope_theta")) theta = rp.get("rope_theta").asDouble();
            scalingNode = rp;
        }
        RopeScaling scaling = ropeScaling(file, scalingNode);

        boolean attentionBias = r.bool("attention_bias", false);
        boolean qkvBias = switch (type) {
            case "qwen2" -> true;
            case "mistral" -> false;
            default -> attentionBias;
        };
        boolean outBias = (type.equals("llama") || type.equals("qwen3")) && attentionBias;
        boolean mlpBias = type.equals("llama") && r.bool("mlp_bias", false);
        int layers = r.positiveInt("num_hidden_layers", -1);
        int window = slidingWindow(r, type, layers);

        SafeDtype dtype = null;
        String dtypeKey = c.hasNonNull("torch_dtype") ? "torch_dtype" : c.hasNonNull("dtype") ? "dtype" : null;
        if (dtypeKey != null) {
            dtype = SafeDtype.ofTorchName(c.get(dtypeKey).asText());
            if (dtype == null) throw HfFormatException.at(file, dtypeKey + " '" + c.get(dtypeKey).asText()
                    + "' is not supported (float32, bfloat16, float16)");
        }
        return new HfConfig(type, r.positiveInt("vocab_size", -1), hidden, r.positiveInt("intermediate_size", -1),
                layers, heads, kvHeads, headDim, r.positiveDouble("rms_norm_eps", 1e-6), theta, scaling,
                r.positiveInt("max_position_embeddings", 2048), qkvBias, outBias, mlpBias, type.equals("qwen3"),
                r.bool("tie_word_embeddings", false), window, dtype, c.deepCopy());
    }

    private static RopeScaling ropeScaling(Path file, JsonNode s) {
        if (s == null || s.isNull()) return null;
        if (!s.isObject()) throw HfFormatException.at(file, "rope_scaling is not an object");
        JsonNode t = s.hasNonNull("rope_type") ? s.get("rope_type") : s.get("type");
        String type = t == null ? "default" : t.asText();
        if (type.equals("default")) return null;
        if (!type.equals("llama3"))
            throw HfFormatException.at(file, "rope_scaling type '" + type + "' is not supported (default, llama3)");
        try {
            return new RopeScaling(need(file, s, "factor"), need(file, s, "low_freq_factor"),
                    need(file, s, "high_freq_factor"), need(file, s, "original_max_position_embeddings"));
        } catch (IllegalArgumentException e) {
            if (e instanceof HfFormatException) throw e;
            throw HfFormatException.at(file, e.getMessage());
        }
    }

    private static double need(Path file, JsonNode s, String key) {
        if (!s.hasNonNull(key) || !s.get(key).isNumber()) throw HfFormatException.at(file, "rope_scaling." + key
                + " missing or not a number");
        return s.get(key).asDouble();
    }

    /** Mistral: sliding_window on every layer when set; Qwen2/3: only with use_sliding_window, from max_window_layers. */
    private static int slidingWindow(Reader r, String type, int layers) {
        JsonNode w = r.c.get("sliding_window");
        if (w == null || w.isNull()) return 0;
        boolean slides = switch (type) {
            case "mistral" -> true;
            case "qwen2", "qwen3" -> r.bool("use_sliding_window", false)
                    && r.c.path("max_window_layers").asInt(layers) < layers;
            default -> false;
        };
        return slides ? r.positiveInt("sliding_window", -1) : 0;
    }

    /** Attention heads x head_dim: the width of the query projection. */
    public int qDim() {
        return numHeads * headDim;
    }

    public int kvDim() {
        return numKvHeads * headDim;
    }

    /** Typed reads of config keys: a wrong type or a missing required key names the key. */
    private record Reader(Path file, ObjectNode c) {
        String string(String key, String dflt) {
            JsonNode n = c.get(key);
            if (n == null || n.isNull()) return dflt;
            if (!n.isTextual()) throw HfFormatException.at(file, key + " is not a string: " + n);
            return n.asText();
        }

        int positiveInt(String key, int dflt) {
            JsonNode n = c.get(key);
            if (n == null || n.isNull()) {
                if (dflt <= 0) throw HfFormatException.at(file, "missing " + key);
                return dflt;
            }
            if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() <= 0)
                throw HfFormatException.at(file, key + " must be a positive integer, got " + n);
            return n.asInt();
        }

        double positiveDouble(String key, double dflt) {
            JsonNode n = c.get(key);
            if (n == null || n.isNull()) return dflt;
            if (!n.isNumber() || !(n.asDouble() > 0)) throw HfFormatException.at(file, key + " must be > 0, got " + n);
            return n.asDouble();
        }

        boolean bool(String key, boolean dflt) {
            JsonNode n = c.get(key);
            if (n == null || n.isNull()) return dflt;
            if (!n.isBoolean()) throw HfFormatException.at(file, key + " is not true/false: " + n);
            return n.asBoolean();
        }
    }
}
