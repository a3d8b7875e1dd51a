package org.eapo4j.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.model.AdamW;
import org.eapo4j.model.CausalLM;
import org.eapo4j.model.ModelConfig;
import org.eapo4j.rl.EapoWeighting;
import org.eapo4j.rl.WeightingSchedule;

/**
 * The trainer's state in a {@link Checkpoint}: the header (configuration, vocabulary, step counters, optimizer step,
 * weighting-schedule state) and the tensors ({@code model.*} policy weights, {@code adamw.*} optimizer moments,
 * {@code ref.*} the frozen reference policy). Reading checks that the header holds every field with the right type,
 * so a garbled header is a "checkpoint X is corrupt" error, not a resume from defaults.
 */
final class CheckpointCodec {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The scalar state of a trainer. */
    record State(RlConfig config, List<String> vocab, ModelConfig builtinModel, int warmupStep, boolean warmupDone,
                 int rlStep, long optimizerStep, Map<String, Double> schedule) {}

    /** A verified checkpoint and its parsed header. */
    record Loaded(Path file, Checkpoint checkpoint, State state) {}

    private CheckpointCodec() {}

    static void write(Path file, State s, String weighting, double h0, CausalLM model, AdamW opt, CausalLM ref) {
        ObjectNode h = JSON.createObjectNode();
        h.set("config", s.config().toTree());
        h.set("vocab", JSON.valueToTree(s.vocab()));
        if (s.builtinModel() != null) h.set("builtin_model", JSON.valueToTree(s.builtinModel()));
        h.put("warmupStep", s.warmupStep());
        h.put("warmupDone", s.warmupDone());
        h.put("rlStep", s.rlStep());
        h.put("optimizerStep", s.optimizerStep());
        h.put("weighting", weighting);
        ObjectNode sn = h.putObject("schedule");
        s.schedule().forEach((k, v) -> {
            if (Double.isNaN(v)) sn.putNull(k);
            else sn.put(k, v);
        });
        if (!Double.isNaN(h0)) h.put("h0", h0);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        model.namedParameters().forEach((k, v) -> tensors.put("model." + k, v));
        opt.stateTensors().forEach((k, v) -> tensors.put("adamw." + k, v));
        if (ref != null) ref.namedParameters().forEach((k, v) -> tensors.put("ref." + k, v));
        Checkpoint.write(file, h, tensors);
    }

    static void write(Path file, State s, WeightingSchedule schedule, CausalLM model, AdamW opt, CausalLM ref) {
        double h0 = schedule instanceof EapoWeighting e ? e.h0() : Double.NaN;
        write(file, s, schedule.name(), h0, model, opt, ref);
    }

    /** @throws CheckpointException unreadable, corrupt, or a header without the trainer's fields */
    static Loaded read(Path file) {
        Checkpoint ck = Checkpoint.read(file);
        ObjectNode h = ck.header;
        RlConfig cfg;
        try {
            cfg = RlConfig.fromTree(h.get("config"), "the header of checkpoint " + file).validate();
        } catch (ConfigException e) {
            throw Checkpoint.corrupt(file, "header", "bad configuration: " + e.getMessage());
        }
        JsonNode vocab = h.get("vocab");
        // an empty vocabulary: the policy brings its own tokenizer (RlTrainer)
        if (vocab == null || !vocab.isArray()) throw Checkpoint.corrupt(file, "header", "no vocabulary");
        List<String> words = new ArrayList<>();
        for (JsonNode n : vocab) {
            if (!n.isTextual()) throw Checkpoint.corrupt(file, "header", "vocabulary entry " + n + " is not a string");
            words.add(n.asText());
        }
        ModelConfig builtin = null;
        if (h.hasNonNull("builtin_model")) {
            try {
                builtin = JSON.treeToValue(h.get("builtin_model"), ModelConfig.class);
            } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
                throw Checkpoint.corrupt(file, "header", "bad 'builtin_model': " + e.getMessage());
            }
        }
        int warmupStep = intField(file, h, "warmupStep"), rlStep = intField(file, h, "rlStep");
        JsonNode wd = h.get("warmupDone"), os = h.get("optimizerStep"), sch = h.get("schedule");
        if (wd == null || !wd.isBoolean()) throw Checkpoint.corrupt(file, "header", "no 'warmupDone'");
        if (os == null || !os.canConvertToLong() || os.asLong() < 0)
            throw Checkpoint.corrupt(file, "header", "no valid 'optimizerStep'");
        if (sch == null || !sch.isObject()) throw Checkpoint.corrupt(file, "header", "no 'schedule' state");
        Map<String, Double> s = new HashMap<>();
        sch.fields().forEachRemaining(e -> {
            if (!e.getValue().isNull() && !e.getValue().isNumber())
                throw Checkpoint.corrupt(file, "header", "schedule value '" + e.getKey() + "' is not a number");
            s.put(e.getKey(), e.getValue().isNull() ? Double.NaN : e.getValue().asDouble());
        });
        return new Loaded(file, ck, new State(cfg, words, builtin, warmupStep, wd.asBoolean(), rlStep, os.asLong(),
                s));
    }

    private static int intField(Path file, ObjectNode h, String name) {
        JsonNode n = h.get(name);
        if (n == null || !n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 0)
            throw Checkpoint.corrupt(file, "header", "no valid '" + name + "'");
        return n.asInt();
    }

    /** Copies the stored policy weights, and (when {@code opt} is not null) the optimizer state, into the live ones. */
    static void restoreTensors(Loaded l, CausalLM model, AdamW opt) {
        l.checkpoint().loadInto("model.", model.namedParameters());
        if (opt != null) {
            l.checkpoint().loadInto("adamw.", opt.stateTensors());
            opt.restoreStep(l.state().optimizerStep());
        }
    }

    /** Copies the stored reference policy into {@code ref}, when the checkpoint has one. */
    static void restoreReference(Loaded l, CausalLM ref) {
        if (ref.namedParameters().isEmpty()) return;   // a LoRA reference view: the frozen base itself
        String first = "ref." + ref.namedParameters().keySet().iterator().next();
        if (l.checkpoint().has(first)) l.checkpoint().loadInto("ref.", ref.namedParameters());
    }
}
