package org.eapo4j.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.eapo4j.kernels.LossAggregation;
import org.eapo4j.kernels.PolicyLossConfig;
import org.eapo4j.model.SamplingConfig;
import org.eapo4j.rl.EapoWeighting;
import org.eapo4j.rl.LmHeadPath;
import org.eapo4j.rl.RewardScaling;
import org.eapo4j.rl.UpdateConfig;
import org.eapo4j.rl.Weightings;

/**
 * Every setting of a training run. In JSON (a {@code --config} file, {@code config.json} of a run, the checkpoint
 * header) the names are snake_case, TRL's {@code GRPOConfig} names where TRL has the setting ({@code
 * num_generations}, {@code max_completion_length}, {@code learning_rate}, {@code epsilon}, {@code epsilon_high},
 * {@code beta}, {@code loss_type}, {@code scale_rewards}, {@code mask_truncated_completions}, {@code
 * num_iterations}, ...). In Java the public fields are the camelCase of the same names; set them and call
 * {@link #validate()} (every entry point does). Defaults are the embedded default run.
 *
 * <p>{@link #validate()} is the one validation layer of the project: the CLI flags, a JSON file and code all end in
 * it, and its {@link ConfigException} names the JSON field(s). {@link #validateAgainstData} adds the checks that
 * need the loaded data (prompt lengths, data set sizes).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public final class RlConfig {
    // ---------------------------------------------------------------- task, model, data and seed
    /** The task's name (stories, medqa, or your own); set from the task when empty. Recorded for resume and plots. */
    public String task = "";
    /**
     * The policy: a Hugging Face folder, {@code embedded:stories260K} (the shipped model) or {@code builtin} (the
     * built-in transformer, trained from scratch); informational for the library, which is given the policy object.
     */
    public String modelNameOrPath = "";
    /** A JSONL file or an embedded name replacing the task's train prompts; empty = the task's own. */
    public String trainData = "";
    /** A JSONL file or an embedded name replacing the task's held-out prompts; empty = the task's own. */
    public String heldoutData = "";
    public long seed = 1;
    /** Where the policy, the reference and every tensor of the update and the generator live: cpu, cuda or cuda:K. */
    public String device = "cpu";

    // ---------------------------------------------------------------- supervised warm-up (not TRL's LR warm-up)
    /**
     * Steps of language modelling on the task's pretraining stand-in before the answer warm-up (medqa on the
     * built-in model: the fact corpus, {@link org.eapo4j.data.FactCorpus}); 0 for a pretrained policy.
     */
    public int factWarmupSteps = 0;
    /** Steps of teacher forcing on the prompts' reference field (after the fact steps); 0 for a pretrained policy. */
    public int sftWarmupSteps = 0, sftWarmupBatch = 32;
    public double sftWarmupLr = 5e-3;
    /**
     * medqa: key points in a warm-up answer, a fresh random choice of that many of the question's key points each
     * time, so the warm-up teaches the answer format and a partial answer and RL has the rest to find; 0 = the
     * record's reference_answer.
     */
    public int sftPartialPoints = 0;

    // ---------------------------------------------------------------- RL
    public int steps = 150;
    /** Questions per RL step (TRL: per_device_train_batch_size / num_generations). */
    public int promptsPerStep = 8;
    /** G, completions per prompt. */
    public int numGenerations = 8;
    public int maxCompletionLength = 256;
    public double temperature = 1.0;
    /** 0 = off. */
    public int topK = 0;
    public double topP = 1.0;
    public double learningRate = 1e-6;
    /** Global gradient-norm clip, 0 = off. */
    public double maxGradNorm = 1.0;
    public double weightDecay = 0.0;
    /** Passes over each rollout batch (TRL: num_iterations). */
    public int numIterations = 1;
    /** Optimizer steps per pass. */
    public int minibatches = 2;
    /** Low clip eps of the ratio; {@code epsilonHigh} the high one (DAPO's clip-higher). */
    public double epsilon = 0.2, epsilonHigh = 0.28;
    /** Dual-clip constant c > 1, 0 = off. */
    public double dualClip = 3.0;
    /** k3 KL coefficient to the frozen reference (the policy as RL starts). */
    public double beta = 0.0;
    public double entropyCoef = 0.0;
    /** Loss aggregation: token-mean, seq-mean-token-mean, seq-mean-token-sum, seq-mean-token-sum-norm. */
    public String lossType = "token-mean";
    /** group, batch or none. */
    public String scaleRewards = "group";
    /** Completions that hit max_completion_length without the end token get no loss. */
    public boolean maskTruncatedCompletions = false;
    /** How the response tokens reach the loss: full (the [N, V] logits) or fused (the fused linear head). */
    public String lmHead = "full";
    /** RL draws its questions from the first rl_questions train questions (0 = all). */
    public int rlQuestions = 0;
    /**
     * Sum the gradients of micro-batches and processes in float64, so that 1 or N processes give the same update
     * (8 bytes per trained parameter); false: float32 sums in the parameters' gradients.
     */
    public boolean deterministicGradients = true;

    // ---------------------------------------------------------------- weighting
    /** eapo, grpo, w-reinforce, psr, nsr or fixed:POS,NEG. */
    public String weighting = "eapo";
    public double eapoAlpha = 1.0, lambdaMin = 0.05, lambdaMax = 4.0, entropyEma = 0.0;
    public int h0Steps = 1;

    // ---------------------------------------------------------------- evaluation and bookkeeping
    /** Evaluate every eval_steps RL steps (0 = only at the end). */
    public int evalSteps = 25;
    /** Held-out questions per evaluation (0 = all). */
    public int evalQuestions = 0;
    public int evalSamples = 8;
    /** Train prompts evaluated beside the held-out ones (the first N; 0 = none). */
    public int trainEvalQuestions = 0;
    /** Checkpoint every save_steps RL steps (0 = only at the end). */
    public int saveSteps = 25;
    /** LibTorch and kernel CPU threads, 0 = their defaults. */
    public int threads = 0;

    // ---------------------------------------------------------------- limits that keep values sane
    static final int MAX_LEN = 1 << 20, MAX_BATCH = 4096, MAX_THREADS = 256;
    static final double MIN_TEMPERATURE = 1e-2, MAX_TEMPERATURE = 100;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** Names of the settings in earlier releases (camelCase TrainConfig) and their names now, for error hints. */
    private static final Map<String, String> RENAMED = Map.ofEntries(
            Map.entry("groupSize", "num_generations"), Map.entry("maxNewTokens", "max_completion_length"),
            Map.entry("lr", "learning_rate"), Map.entry("clipLow", "epsilon"), Map.entry("clipHigh", "epsilon_high"),
            Map.entry("klBeta", "beta"), Map.entry("aggregation", "loss_type"), Map.entry("stdScale", "scale_rewards"),
            Map.entry("epochs", "num_iterations"), Map.entry("warmupSteps", "sft_warmup_steps"),
            Map.entry("warmupBatch", "sft_warmup_batch"), Map.entry("warmupLr", "sft_warmup_lr"),
            Map.entry("evalEvery", "eval_steps"), Map.entry("checkpointEvery", "save_steps"),
            Map.entry("warmup_steps", "sft_warmup_steps"), Map.entry("eval_every", "eval_steps"),
            Map.entry("checkpoint_every", "save_steps"), Map.entry("group_size", "num_generations"),
            Map.entry("max_new_tokens", "max_completion_length"));

    public RlConfig() {}

    /** An independent copy. */
    public RlConfig copy() {
        return JSON.convertValue(JSON.valueToTree(this), RlConfig.class);
    }

    // ---------------------------------------------------------------- JSON

    /** The JSON names of every setting, in declaration order. */
    public static Set<String> fieldNames() {
        Set<String> names = new LinkedHashSet<>();
        JSON.valueToTree(new RlConfig()).fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** Pretty-printed JSON of every setting. */
    public String toJson() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public ObjectNode toTree() {
        return JSON.valueToTree(this);
    }

    /**
     * Reads a JSON file of settings (any subset; the rest keep their defaults) and validates the result.
     *
     * @throws ConfigException the file is missing, not JSON, has unknown or mistyped fields, or a value is invalid;
     *                         the message names the file and the field
     */
    public static RlConfig fromJson(Path file) {
        return readJson(file).validate();
    }

    /** As {@link #fromJson} without the final {@link #validate()} (for callers that override values first). */
    public static RlConfig readJson(Path file) {
        return fromTree(readTree(file), file.toString());
    }

    /**
     * This configuration with the fields that the JSON file names set to the file's values (the others keep this
     * object's values); not validated. Unknown or mistyped fields are a {@link ConfigException}.
     */
    public RlConfig overlay(Path file) {
        JsonNode given = readTree(file);
        fromTree(given, file.toString());   // unknown names and types
        ObjectNode merged = toTree();
        given.fields().forEachRemaining(e -> merged.set(e.getKey(), e.getValue()));
        return fromTree(merged, file.toString());
    }

    /** The JSON of a file, with one-line errors for a missing, unreadable or broken file. */
    private static JsonNode readTree(Path file) {
        String text;
        try {
            if (Files.isDirectory(file)) throw new ConfigException("config", file + " is a directory, not a JSON file");
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config", "no such file: " + file);
        } catch (CharacterCodingException e) {
            throw new ConfigException("config", file + " is not UTF-8 text");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        try {
            JsonNode tree = JSON.readTree(text);
            if (tree == null || !tree.isObject())
                throw new ConfigException("config", file + " must hold a JSON object of settings");
            return tree;
        } catch (JsonProcessingException e) {
            throw new ConfigException("config", file + ":" + e.getLocation().getLineNr() + ": broken JSON: "
                    + e.getOriginalMessage());
        }
    }

    /**
     * The settings of a JSON object (unknown names are an error naming all of them; not validated, call
     * {@link #validate()}). {@code where} names the source in messages.
     */
    public static RlConfig fromTree(JsonNode tree, String where) {
        if (tree == null || !tree.isObject()) throw new ConfigException("config", where + " must hold a JSON object");
        Set<String> known = fieldNames();
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = tree.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!known.contains(k)) unknown.add(k);
        }
        if (!unknown.isEmpty()) {
            StringBuilder msg = new StringBuilder(where + ": unknown field" + (unknown.size() > 1 ? "s " : " "));
            for (int i = 0; i < unknown.size(); i++) {
                String k = unknown.get(i);
                msg.append(i > 0 ? ", " : "").append('\'').append(k).append('\'');
                String hint = RENAMED.get(k);
                if (hint == null && known.contains(snake(k))) hint = snake(k);
                if (hint != null) msg.append(" (now '").append(hint).append("')");
            }
            List<String> fields = new ArrayList<>(List.of("config"));
            fields.addAll(unknown);
            throw new ConfigException(fields, msg + "; known fields: " + String.join(", ", new TreeSet<>(known)));
        }
        try {
            return JSON.treeToValue(tree, RlConfig.class);
        } catch (JsonMappingException e) {
            String field = e.getPath().isEmpty() ? "config" : e.getPath().get(0).getFieldName();
            JsonNode v = tree.get(field);
            throw new ConfigException(field, "wrong type in " + where + " (got " + (v == null ? "?" : v.toString())
                    + ", expected " + expectedType(field) + ")");
        } catch (JsonProcessingException e) {
            throw new ConfigException("config", where + ": " + e.getOriginalMessage());
        }
    }

    private static String expectedType(String field) {
        Object v = new RlConfig().toTree().get(field);
        JsonNode n = (JsonNode) v;
        if (n == null) return "?";
        if (n.isBoolean()) return "true or false";
        if (n.isIntegralNumber()) return "an integer";
        if (n.isNumber()) return "a number";
        return "a string";
    }

    private static String snake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    // ---------------------------------------------------------------- derived component configs

    public EapoWeighting.Config eapoConfig() {
        return new EapoWeighting.Config(eapoAlpha, lambdaMin, lambdaMax, entropyEma, h0Steps);
    }

    public PolicyLossConfig lossConfig() {
        return PolicyLossConfig.builder().temperature(temperature).clipLow(epsilon).clipHigh(epsilonHigh)
                .dualClip(dualClip).klBeta(beta).entropyCoef(entropyCoef).build();
    }

    public UpdateConfig updateConfig() {
        return new UpdateConfig(lossConfig(), LossAggregation.fromName(lossType), numIterations, minibatches,
                learningRate, maxGradNorm, maxCompletionLength, headPath(), numGenerations);
    }

    /** {@code device} parsed. */
    public DeviceSpec deviceSpec() {
        return DeviceSpec.parse(device);
    }

    /** {@code lm_head} as the update's head path. */
    public LmHeadPath headPath() {
        return "fused".equals(lmHead) ? LmHeadPath.FUSED_HEAD : LmHeadPath.FULL_LOGITS;
    }

    public SamplingConfig sampling() {
        return new SamplingConfig(temperature, topK, topP, maxCompletionLength);
    }

    public RewardScaling rewardScaling() {
        return RewardScaling.fromName(scaleRewards);
    }

    /** Rollouts of one RL step before the data bounds it: prompts_per_step x num_generations. */
    public long rolloutsPerStep() {
        return (long) promptsPerStep * numGenerations;
    }

    // ---------------------------------------------------------------- validation

    /**
     * Checks every value and every relation between values; the first problem is thrown as a
     * {@link ConfigException} naming the field(s) by their JSON names. Returns this.
     */
    public RlConfig validate() {
        if (task == null) throw new ConfigException("task", "must be a string (empty = set from the task)");
        if (modelNameOrPath == null) throw new ConfigException("model_name_or_path", "must be a string");
        if (trainData == null) throw new ConfigException("train_data", "must be a string (empty = the task's data)");
        if (heldoutData == null)
            throw new ConfigException("heldout_data", "must be a string (empty = the task's data)");
        try {
            DeviceSpec.parse(device);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("device", e.getMessage());
        }
        // warm-up
        range("fact_warmup_steps", factWarmupSteps, 0, 10_000_000);
        range("sft_warmup_steps", sftWarmupSteps, 0, 10_000_000);
        range("sft_partial_points", sftPartialPoints, 0, 1000);
        range("sft_warmup_batch", sftWarmupBatch, 1, MAX_BATCH);
        rate("sft_warmup_lr", sftWarmupLr);
        // RL
        range("steps", steps, 0, 10_000_000);
        range("prompts_per_step", promptsPerStep, 1, MAX_BATCH);
        range("num_generations", numGenerations, 2, MAX_BATCH);
        if (rolloutsPerStep() > MAX_BATCH)
            throw new ConfigException(List.of("prompts_per_step", "num_generations"), "prompts_per_step x "
                    + "num_generations = " + rolloutsPerStep() + " rollouts per step; at most " + MAX_BATCH);
        range("max_completion_length", maxCompletionLength, 1, MAX_LEN);
        finite("temperature", temperature);
        if (temperature < MIN_TEMPERATURE || temperature > MAX_TEMPERATURE)
            throw new ConfigException("temperature", "must be in [" + MIN_TEMPERATURE + ", " + MAX_TEMPERATURE
                    + "] (logits / temperature must stay finite), got " + temperature);
        range("top_k", topK, 0, Integer.MAX_VALUE);
        finite("top_p", topP);
        if (!(topP > 0 && topP <= 1)) throw new ConfigException("top_p", "must be in (0, 1], got " + topP);
        rate("learning_rate", learningRate);
        finite("max_grad_norm", maxGradNorm);
        if (maxGradNorm < 0) throw new ConfigException("max_grad_norm", "must be >= 0 (0 = no clipping), got "
                + maxGradNorm);
        finite("weight_decay", weightDecay);
        if (weightDecay < 0 || weightDecay >= 1)
            throw new ConfigException("weight_decay", "must be in [0, 1), got " + weightDecay);
        range("num_iterations", numIterations, 1, 1000);
        range("minibatches", minibatches, 1, MAX_BATCH);
        if (minibatches > rolloutsPerStep())
            throw new ConfigException(List.of("minibatches", "prompts_per_step", "num_generations"), "minibatches ("
                    + minibatches + ") must be <= the " + rolloutsPerStep() + " rollouts of a step (prompts_per_step "
                    + promptsPerStep + " x num_generations " + numGenerations + ")");
        finite("epsilon", epsilon);
        if (epsilon < 0 || epsilon >= 1) throw new ConfigException("epsilon", "must be in [0, 1), got " + epsilon);
        finite("epsilon_high", epsilonHigh);
        if (epsilonHigh < 0) throw new ConfigException("epsilon_high", "must be >= 0, got " + epsilonHigh);
        finite("dual_clip", dualClip);
        if (dualClip != 0 && dualClip <= 1)
            throw new ConfigException("dual_clip", "must be 0 (off) or > 1, got " + dualClip);
        finite("beta", beta);
        if (beta < 0) throw new ConfigException("beta", "must be >= 0, got " + beta);
        finite("entropy_coef", entropyCoef);
        if (Math.abs(entropyCoef) > 10) throw new ConfigException("entropy_coef", "must be in [-10, 10], got "
                + entropyCoef);
        try {
            LossAggregation.fromName(lossType == null ? "" : lossType);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("loss_type", e.getMessage().replace("aggregation", "loss_type"));
        }
        try {
            RewardScaling.fromName(scaleRewards == null ? "" : scaleRewards);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("scale_rewards", e.getMessage());
        }
        if (!"full".equals(lmHead) && !"fused".equals(lmHead))
            throw new ConfigException("lm_head", "must be full or fused, got " + lmHead);
        range("rl_questions", rlQuestions, 0, Integer.MAX_VALUE);
        // weighting
        finite("eapo_alpha", eapoAlpha);
        if (eapoAlpha < 0 || eapoAlpha > 100) throw new ConfigException("eapo_alpha", "must be in [0, 100], got "
                + eapoAlpha);
        finite("lambda_min", lambdaMin);
        finite("lambda_max", lambdaMax);
        if (lambdaMin < 0) throw new ConfigException("lambda_min", "must be >= 0, got " + lambdaMin);
        if (lambdaMax < lambdaMin)
            throw new ConfigException(List.of("lambda_max", "lambda_min"), "lambda_max (" + lambdaMax
                    + ") must be >= lambda_min (" + lambdaMin + ")");
        finite("entropy_ema", entropyEma);
        if (entropyEma < 0 || entropyEma >= 1)
            throw new ConfigException("entropy_ema", "must be in [0, 1), got " + entropyEma);
        range("h0_steps", h0Steps, 1, 10_000_000);
        text("weighting", weighting);
        try {
            Weightings.parse(weighting, eapoConfig());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("weighting", e.getMessage());
        }
        // evaluation and bookkeeping
        range("eval_steps", evalSteps, 0, Integer.MAX_VALUE);
        range("eval_questions", evalQuestions, 0, Integer.MAX_VALUE);
        range("eval_samples", evalSamples, 1, MAX_BATCH);
        range("train_eval_questions", trainEvalQuestions, 0, Integer.MAX_VALUE);
        range("save_steps", saveSteps, 0, Integer.MAX_VALUE);
        range("threads", threads, 0, MAX_THREADS);
        return this;
    }

    /**
     * The checks that need the loaded data: the longest prompt must leave room for a completion, and sizes that
     * exceed the data are reported. Hard problems throw {@link ConfigException}; values that the data merely
     * caps come back as warnings (one line each).
     *
     * @param trainSize        questions in the train data
     * @param heldoutSize      questions in the held-out data
     * @param longestPrompt    tokens of the longest prompt of either file
     * @param maxLen           the policy's positions (prompt + completion)
     */
    public List<String> validateAgainstData(int trainSize, int heldoutSize, int longestPrompt, int maxLen) {
        List<String> warnings = new ArrayList<>();
        if (longestPrompt + 1 >= maxLen)
            throw new ConfigException("max_completion_length", "the model's " + maxLen + " positions leave no room for a completion after "
                    + "the longest prompt of the data (" + longestPrompt + " tokens)");
        if (longestPrompt + maxCompletionLength > maxLen)
            warnings.add("max_completion_length " + maxCompletionLength + " + the longest prompt (" + longestPrompt
                    + " tokens) exceed the model's " + maxLen + " positions: completions of long prompts are cut to "
                    + (maxLen - longestPrompt) + " tokens");
        if (rlQuestions > trainSize)
            warnings.add("rl_questions " + rlQuestions + " exceeds the " + trainSize
                    + " train questions: RL uses all " + trainSize);
        int pool = rlQuestions > 0 ? Math.min(rlQuestions, trainSize) : trainSize;
        if (promptsPerStep > pool)
            warnings.add("prompts_per_step " + promptsPerStep + " exceeds the " + pool
                    + " questions RL draws from: a step uses " + pool);
        long rollouts = (long) Math.min(promptsPerStep, pool) * numGenerations;
        if (minibatches > rollouts)
            throw new ConfigException(List.of("minibatches", "prompts_per_step"), "minibatches (" + minibatches
                    + ") must be <= the " + rollouts + " rollouts of a step (" + Math.min(promptsPerStep, pool)
                    + " questions x num_generations " + numGenerations + ")");
        if (evalQuestions > heldoutSize)
            warnings.add("eval_questions " + evalQuestions + " exceeds the " + heldoutSize
                    + " held-out questions: evaluation uses all " + heldoutSize);
        if (trainEvalQuestions > trainSize)
            warnings.add("train_eval_questions " + trainEvalQuestions + " exceeds the " + trainSize
                    + " train questions: evaluation uses all " + trainSize);
        return warnings;
    }

    private static void text(String field, String v) {
        if (v == null || v.isBlank()) throw new ConfigException(field, "must be a non-empty string");
    }

    private static void range(String field, long v, long min, long max) {
        if (v < min || v > max)
            throw new ConfigException(field, max == Integer.MAX_VALUE || max == Long.MAX_VALUE
                    ? "must be >= " + min + ", got " + v : "must be in [" + min + ", " + max + "], got " + v);
    }

    private static void finite(String field, double v) {
        if (!Double.isFinite(v)) throw new ConfigException(field, "must be a finite number, got " + v);
    }

    /** A learning rate: finite, in (0, 1]. */
    private static void rate(String field, double v) {
        finite(field, v);
        if (!(v > 0 && v <= 1)) throw new ConfigException(field, "must be in (0, 1], got " + v);
    }

    @Override
    public String toString() {
        return toJson();
    }
}
