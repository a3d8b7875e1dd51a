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

import org.eapo4j.kernels.ImportanceSamplingLevel;
import org.eapo4j.kernels.LossAggregation;
import org.eapo4j.kernels.Surrogate;
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
    @Setting(help = "The task's name (stories, medqa, or your own); set from the task when empty; recorded for "
            + "resume and plots.", flag = "-")
    public String task = "";
    @Setting(help = "The policy: a Hugging Face folder, embedded:stories260K (the shipped model) or builtin (the "
            + "built-in transformer); informational for the library, which is given the policy object.",
            source = "TRL", flag = "-")
    public String modelNameOrPath = "";
    @Setting(help = "A JSONL file or an embedded name replacing the task's train prompts; empty = the task's own.")
    public String trainData = "";
    @Setting(help = "A JSONL file or an embedded name replacing the task's held-out prompts; empty = the task's own.")
    public String heldoutData = "";
    @Setting(help = "Format every prompt as a user message with the model's chat template (add_generation_prompt, as "
            + "transformers' apply_chat_template renders it) before tokenizing; Hugging Face tokenizers with a "
            + "template.", source = "TRL (conversational datasets)")
    public boolean chat = false;
    @Setting(help = "Seed of every random stream (prompt order, sampling, minibatches, initial weights).",
            source = "TRL")
    public long seed = 1;
    @Setting(help = "Where the policy, the reference and every tensor of the update and the generator live: cpu, "
            + "cuda or cuda:K (CUDA needs the GPU build of the PyTorch presets).")
    public String device = "cpu";

    // ---------------------------------------------------------------- supervised warm-up (not TRL's LR warm-up)
    @Setting(help = "Steps of language modelling on the task's pretraining stand-in before the answer warm-up "
            + "(medqa on the built-in model: the fact corpus); 0 for a pretrained policy.", flag = "--fact-steps",
            min = 0, max = 10_000_000)
    public int factWarmupSteps = 0;
    @Setting(help = "Steps of teacher forcing on the prompts' reference field before RL; 0 for a pretrained policy.",
            flag = "--warmup-steps", min = 0, max = 10_000_000)
    public int sftWarmupSteps = 0;
    @Setting(help = "Examples per warm-up step.", flag = "--warmup-batch", min = 1, max = MAX_BATCH)
    public int sftWarmupBatch = 32;
    @Setting(help = "Peak learning rate of the warm-up (cosine decay to 10% over each stage).", flag = "--warmup-lr",
            min = 0, max = 1, minExclusive = true)
    public double sftWarmupLr = 5e-3;
    @Setting(help = "medqa: key points per warm-up answer, a fresh random choice each time, so RL has the rest to "
            + "find; 0 = the record's reference_answer.", flag = "--partial-points", min = 0, max = 1000)
    public int sftPartialPoints = 0;

    // ---------------------------------------------------------------- RL
    @Setting(help = "RL steps (each: rollouts, rewards, old-policy pass, updates).", source = "TRL (max_steps)",
            min = 0, max = 10_000_000)
    public int steps = 150;
    @Setting(help = "Prompts per RL step (TRL: per_device_train_batch_size / num_generations).",
            flag = "--prompts", aliases = "--prompts-per-step", min = 1, max = MAX_BATCH)
    public int promptsPerStep = 8;
    @Setting(help = "G, completions per prompt.", source = "TRL", flag = "--group", aliases = "--num-generations",
            min = 2, max = MAX_BATCH)
    public int numGenerations = 8;
    @Setting(help = "Longest completion in tokens.", source = "TRL", flag = "--max-new",
            aliases = "--max-completion-length", min = 1, max = MAX_LEN)
    public int maxCompletionLength = 256;
    @Setting(help = "Completions decoded together in one batch (every weight read serves them all), a multiple of "
            + "num_generations; 0 = all of a process's rollouts of the step. A group decodes the same tokens in any "
            + "batch up to float summation order; num_generations (one group per batch) makes 1 or N processes "
            + "bit-identical.", source = "TRL", min = 0, max = MAX_BATCH)
    public int generationBatchSize = 0;
    @Setting(help = "Sampling temperature of rollouts and evaluation (and of the loss's log-probs).", source = "TRL",
            min = MIN_TEMPERATURE, max = MAX_TEMPERATURE)
    public double temperature = 1.0;
    @Setting(help = "Sample among the k most likely tokens; 0 = off.", source = "TRL", min = 0,
            max = Integer.MAX_VALUE)
    public int topK = 0;
    @Setting(help = "Nucleus sampling: the smallest set of tokens of probability >= top_p; 1 = off.", source = "TRL",
            min = 0, max = 1, minExclusive = true)
    public double topP = 1.0;
    @Setting(help = "AdamW learning rate of the RL updates.", source = "TRL", flag = "--lr",
            aliases = "--learning-rate", min = 0, max = 1, minExclusive = true)
    public double learningRate = 1e-6;
    @Setting(help = "Rows per forward + backward of the old-policy pass and the update (their gradients summed before "
            + "the optimizer step): bounds activation memory; a divisor of num_generations, 0 = one prompt group.",
            source = "verl (ppo_micro_batch_size_per_gpu)", min = 0, max = MAX_BATCH)
    public int microBatchSize = 0;
    @Setting(help = "Clip of the global gradient norm; 0 = off.", source = "TRL", min = 0)
    public double maxGradNorm = 1.0;
    @Setting(help = "AdamW decoupled weight decay.", source = "TRL", min = 0, max = 1, maxExclusive = true)
    public double weightDecay = 0.0;
    @Setting(help = "AdamW moments in the parameter's dtype (param, as torch.optim.AdamW) or in float32 (float32: for "
            + "bf16/fp16 parameters the update is computed in float32 and rounded once; 8 bytes per parameter).",
            choices = {"param", "float32"})
    public String optimizerStateDtype = "param";
    @Setting(help = "Passes over each rollout batch (TRL's num_iterations, PPO epochs).", source = "TRL",
            flag = "--epochs", aliases = "--num-iterations", min = 1, max = 1000)
    public int numIterations = 1;
    @Setting(help = "Optimizer steps (minibatches) per pass over a rollout batch.", min = 1, max = MAX_BATCH)
    public int minibatches = 2;
    @Setting(help = "Low clip eps of the importance ratio: ratios below 1 - epsilon are clipped.", source = "TRL",
            flag = "--clip-low", aliases = "--epsilon", min = 0, max = 1, maxExclusive = true)
    public double epsilon = 0.2;
    @Setting(help = "High clip eps of the importance ratio (DAPO's clip-higher).", source = "TRL",
            flag = "--clip-high", aliases = "--epsilon-high", min = 0)
    public double epsilonHigh = 0.28;
    @Setting(help = "Dual-clip constant c > 1 that caps the loss of negative-advantage tokens; 0 = off.",
            source = "verl (clip_ratio_c)", min = 0)
    public double dualClip = 3.0;
    @Setting(help = "k3 KL coefficient to the frozen reference (the policy as RL starts); 0 = no reference.",
            source = "TRL", flag = "--kl", aliases = "--beta", min = 0)
    public double beta = 0.0;
    @Setting(help = "Entropy bonus eta: the loss gets -eta * H per token.", source = "verl (entropy_coeff)",
            min = -10, max = 10)
    public double entropyCoef = 0.0;
    @Setting(help = "Loss aggregation over tokens and sequences (ours, verl's loss_agg_mode), or TRL's loss_type: grpo "
            + "= seq-mean-token-mean, bnpo and dapo = token-mean over the minibatch, dr_grpo = seq-mean-token-sum-norm "
            + "with L_max = max_completion_length, cispo = token-mean with the CISPO surrogate (docs/LOSS_VARIANTS.md).",
            source = "TRL / verl (loss_agg_mode)", flag = "--aggregation", aliases = "--loss-type",
            choices = {"token-mean", "seq-mean-token-mean", "seq-mean-token-sum", "seq-mean-token-sum-norm", "grpo",
                "bnpo", "dr_grpo", "dapo", "cispo"})
    public String lossType = "token-mean";
    @Setting(help = "Importance ratio per token, or per sequence (GSPO: exp of the mean log-ratio of the sequence).",
            source = "TRL", choices = {"token", "sequence"})
    public String importanceSamplingLevel = "token";
    @Setting(help = "Entropy-mechanism losses: vanilla, clip_cov (drop the policy gradient of a random share of "
            + "high-covariance tokens) or kl_cov (a |log-ratio| penalty on the top covariance tokens).",
            source = "verl", choices = {"vanilla", "clip_cov", "kl_cov"})
    public String lossMode = "vanilla";
    @Setting(help = "clip_cov: share of response tokens whose policy gradient is dropped.", source = "verl", min = 0,
            max = 1, minExclusive = true)
    public double clipCovRatio = 0.0002;
    @Setting(help = "clip_cov: lower bound of the covariance of a droppable token.", source = "verl")
    public double clipCovLb = 1.0;
    @Setting(help = "clip_cov: upper bound of the covariance of a droppable token.", source = "verl")
    public double clipCovUb = 5.0;
    @Setting(help = "kl_cov: share of response tokens (largest covariance) that get the KL penalty.", source = "verl",
            min = 0, max = 1, minExclusive = true)
    public double klCovRatio = 0.0002;
    @Setting(help = "kl_cov: coefficient of the |log-ratio| penalty.", source = "verl", min = 0)
    public double ppoKlCoef = 0.1;
    @Setting(help = "Only tokens whose entropy is in the top quantile get the policy gradient (0.2 = the top 20%); "
            + "1 = all tokens. The threshold comes from the old-policy pass's entropies of the whole batch.",
            source = "TRL", min = 0, max = 1, minExclusive = true)
    public double topEntropyQuantile = 1.0;
    @Setting(help = "Adaptive entropy coefficient: after each step it moves by entropy_coef_delta toward keeping the "
            + "entropy at entropy_target; the bonus acts while the entropy is at or below the target.",
            source = "TRL")
    public boolean useAdaptiveEntropy = false;
    @Setting(help = "Adaptive entropy: the target mean token entropy (nats).", source = "TRL", min = 0)
    public double entropyTarget = 0.2;
    @Setting(help = "Adaptive entropy: smallest coefficient.", source = "TRL", min = 0)
    public double entropyCoefMin = 0.0;
    @Setting(help = "Adaptive entropy: largest coefficient.", source = "TRL", min = 0, max = 10)
    public double entropyCoefMax = 0.1;
    @Setting(help = "Adaptive entropy: change of the coefficient per step.", source = "TRL", min = 0)
    public double entropyCoefDelta = 0.005;
    @Setting(help = "Advantage scaling: divide r - mean by the group's std, the batch's std, or not at all.",
            source = "TRL", choices = {"group", "batch", "none"})
    public String scaleRewards = "group";
    @Setting(help = "Completions that hit max_completion_length without a stop token get no loss.", source = "TRL")
    public boolean maskTruncatedCompletions = false;
    @Setting(help = "How the response tokens reach the loss: the full [N, V] logits, or the fused linear head "
            + "(logits in chunks, never all at once).", choices = {"full", "fused"})
    public String lmHead = "full";
    @Setting(help = "RL draws its prompts from the first rl_questions train prompts; 0 = all.", min = 0,
            max = Integer.MAX_VALUE)
    public int rlQuestions = 0;
    @Setting(help = "Sum the gradients of micro-batches and processes in a wider type (float64 for float32 parameters, "
            + "8 bytes each; float32 for bf16/fp16 ones, 4 bytes), so 1 or N processes give the same run; false: sums "
            + "in the parameter's type.")
    public boolean deterministicGradients = true;
    @Setting(help = "Before training, estimate what it will allocate (gradients, optimizer state, gradient sums, "
            + "reference, activations) and refuse with one line when that exceeds the memory available.")
    public boolean checkMemory = true;

    // ---------------------------------------------------------------- LoRA (PEFT's names)
    @Setting(help = "LoRA rank r: train adapters on the frozen model instead of its weights; 0 = full fine-tuning "
            + "(Hugging Face models).", source = "PEFT (r)", min = 0, max = 65536)
    public int loraR = 0;
    @Setting(help = "LoRA scaling numerator: the adapters add (lora_alpha / r) B A x.", source = "PEFT")
    public double loraAlpha = 16;
    @Setting(help = "Dropout on the adapters' input during the update.", source = "PEFT", min = 0, max = 1,
            maxExclusive = true)
    public double loraDropout = 0;
    @Setting(help = "Adapted modules: comma-separated names (q_proj, v_proj, ...) or all-linear.", source = "PEFT",
            flag = "--lora-targets")
    public String loraTargetModules = "all-linear";

    // ---------------------------------------------------------------- weighting
    @Setting(help = "Sample weighting: eapo, grpo, w-reinforce, psr, nsr or fixed:POS,NEG (rl/Weightings.java).",
            source = "EAPO")
    public String weighting = "eapo";
    @Setting(help = "EAPO: lambda_pos = (H_t / H_0)^alpha.", source = "EAPO", flag = "--alpha", min = 0, max = 100)
    public double eapoAlpha = 1.0;
    @Setting(help = "EAPO: form of lambda_pos in r = H_t / H_0 before the clamp: power = r^alpha, linear = "
            + "1 + alpha (r - 1) (an alternative reconstruction; the paper's formula is not public).", source = "EAPO",
            choices = {"power", "linear"})
    public String eapoForm = "power";
    @Setting(help = "EAPO: lower clamp of lambda_pos.", source = "EAPO", min = 0)
    public double lambdaMin = 0.05;
    @Setting(help = "EAPO: upper clamp of lambda_pos.", source = "EAPO", min = 0)
    public double lambdaMax = 4.0;
    @Setting(help = "EAPO: EMA coefficient of H_t; 0 = none.", source = "EAPO", min = 0, max = 1, maxExclusive = true)
    public double entropyEma = 0.0;
    @Setting(help = "EAPO: H_0 is the mean H_t of the first h0_steps steps.", source = "EAPO", min = 1,
            max = 10_000_000)
    public int h0Steps = 1;

    // ---------------------------------------------------------------- evaluation and bookkeeping
    @Setting(help = "Evaluate every eval_steps RL steps; 0 = only at the start and the end.", source = "TRL",
            flag = "--eval-every", aliases = "--eval-steps", min = 0, max = Integer.MAX_VALUE)
    public int evalSteps = 25;
    @Setting(help = "steps: evaluate at the start, every eval_steps steps and at the end; no: never (TRL's "
            + "eval_strategy).", source = "TRL", choices = {"steps", "no"})
    public String evalStrategy = "steps";
    @Setting(help = "Held-out prompts per evaluation; 0 = all.", min = 0, max = Integer.MAX_VALUE)
    public int evalQuestions = 0;
    @Setting(help = "Completions per prompt in an evaluation.", min = 1, max = MAX_BATCH)
    public int evalSamples = 8;
    @Setting(help = "Train prompts evaluated beside the held-out ones (the first N); 0 = none.", min = 0,
            max = Integer.MAX_VALUE)
    public int trainEvalQuestions = 0;
    @Setting(help = "Checkpoint every save_steps RL steps; 0 = only at the end.", source = "TRL",
            flag = "--checkpoint-every", aliases = "--save-steps", min = 0, max = Integer.MAX_VALUE)
    public int saveSteps = 25;
    @Setting(help = "LibTorch and kernel CPU threads; 0 = their defaults.", min = 0, max = MAX_THREADS)
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
        return new EapoWeighting.Config(eapoAlpha, lambdaMin, lambdaMax, entropyEma, h0Steps,
                EapoWeighting.Form.parse(eapoForm));
    }

    public PolicyLossConfig lossConfig() {
        return lossConfig(entropyCoef, 0);
    }

    /**
     * The kernel's loss settings of a step: the entropy coefficient in force (adaptive or not) and the top-entropy
     * threshold of the step's batch (0 = off).
     */
    public PolicyLossConfig lossConfig(double entropyCoefInForce, double entropyThreshold) {
        boolean cispo = "cispo".equals(lossType);
        return PolicyLossConfig.builder().temperature(temperature).clipLow(epsilon)
                .clipHigh(cispo ? epsilonHigh - 1 : epsilonHigh)   // TRL's cispo cap is epsilon_high itself
                .dualClip(dualClip).klBeta(beta).entropyCoef(entropyCoefInForce)
                .surrogate(cispo ? Surrogate.CISPO : "kl_cov".equals(lossMode) ? Surrogate.UNCLIPPED : Surrogate.CLIPPED)
                .importanceSamplingLevel(ImportanceSamplingLevel.fromName(importanceSamplingLevel))
                .entropyThreshold(entropyThreshold).build();
    }

    /** The aggregation of {@code loss_type} (TRL's names mapped to ours). */
    public LossAggregation aggregation() {
        return TRL_LOSS_TYPES.contains(lossType) ? LossAggregation.ofTrlLossType(lossType)
                : LossAggregation.fromName(lossType);
    }

    public UpdateConfig updateConfig() {
        return updateConfig(lossConfig());
    }

    /** The update of a step with its own loss settings ({@link #lossConfig(double, double)}). */
    public UpdateConfig updateConfig(PolicyLossConfig loss) {
        return new UpdateConfig(loss, aggregation(), numIterations, minibatches, learningRate, maxGradNorm,
                maxCompletionLength, headPath(), microBatchRows());
    }

    /** The LoRA adapters of {@code lora_*} (call only when lora_r > 0). */
    public org.eapo4j.hf.LoraConfig loraConfig() {
        return org.eapo4j.hf.LoraConfig.fromPeftNames(loraR, loraAlpha, loraDropout, loraTargetModules);
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
    /** AdamW keeps its moments in float32 ({@code optimizer_state_dtype} float32). */
    public boolean float32OptimizerState() {
        return "float32".equals(optimizerStateDtype);
    }

    /** Rows per forward/backward unit of the passes: micro_batch_size, or a whole prompt group. */
    public int microBatchRows() {
        return microBatchSize > 0 ? microBatchSize : numGenerations;
    }

    public long rolloutsPerStep() {
        return (long) promptsPerStep * numGenerations;
    }

    // ---------------------------------------------------------------- validation

    /**
     * Checks every value and every relation between values; the first problem is thrown as a
     * {@link ConfigException} naming the field(s) by their JSON names. Returns this.
     */
    public RlConfig validate() {
        try {   // the named choices first, with their parsers' messages
            if (!TRL_LOSS_TYPES.contains(lossType)) LossAggregation.fromName(lossType == null ? "" : lossType);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("loss_type", e.getMessage().replace("aggregation", "loss_type"));
        }
        try {
            RewardScaling.fromName(scaleRewards == null ? "" : scaleRewards);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("scale_rewards", e.getMessage());
        }
        Settings.checkRanges(this);   // every declared range and choice (@Setting)
        try {
            DeviceSpec.parse(device);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("device", e.getMessage());
        }
        if (rolloutsPerStep() > MAX_BATCH)
            throw new ConfigException(List.of("prompts_per_step", "num_generations"), "prompts_per_step x "
                    + "num_generations = " + rolloutsPerStep() + " rollouts per step; at most " + MAX_BATCH);
        if (minibatches > rolloutsPerStep())
            throw new ConfigException(List.of("minibatches", "prompts_per_step", "num_generations"), "minibatches ("
                    + minibatches + ") must be <= the " + rolloutsPerStep() + " rollouts of a step (prompts_per_step "
                    + promptsPerStep + " x num_generations " + numGenerations + ")");
        if (microBatchSize > 0 && numGenerations % microBatchSize != 0)
            throw new ConfigException(List.of("micro_batch_size", "num_generations"), "micro_batch_size ("
                    + microBatchSize + ") must divide num_generations (" + numGenerations + "), so a micro-batch "
                    + "never spans prompt groups; 0 = one group");
        if (generationBatchSize % numGenerations != 0)
            throw new ConfigException(List.of("generation_batch_size", "num_generations"), "generation_batch_size ("
                    + generationBatchSize + ") must be a multiple of num_generations (" + numGenerations + "), or 0");
        if (dualClip != 0 && dualClip <= 1)
            throw new ConfigException("dual_clip", "must be 0 (off) or > 1, got " + dualClip);
        if (lambdaMax < lambdaMin)
            throw new ConfigException(List.of("lambda_max", "lambda_min"), "lambda_max (" + lambdaMax
                    + ") must be >= lambda_min (" + lambdaMin + ")");
        checkLossVariants();
        text("weighting", weighting);
        try {
            Weightings.parse(weighting, eapoConfig());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("weighting", e.getMessage());
        }
        if (loraR > 0) {
            try {
                loraConfig();
            } catch (IllegalArgumentException e) {
                String m = e.getMessage();
                String field = m.startsWith("lora_alpha") ? "lora_alpha" : m.startsWith("lora_dropout")
                        ? "lora_dropout" : m.startsWith("target_modules") ? "lora_target_modules" : "lora_r";
                throw new ConfigException(field, m);
            }
        }
        return this;
    }

    /** TRL's loss_type names (aggregation aliases, and cispo). */
    static final java.util.Set<String> TRL_LOSS_TYPES = java.util.Set.of("grpo", "bnpo", "dr_grpo", "dapo", "cispo");

    /** The combinations of loss variants that have no meaning, refused naming the setting. */
    private void checkLossVariants() {
        boolean cispo = "cispo".equals(lossType);
        if (cispo && dualClip != 0)
            throw new ConfigException(List.of("dual_clip", "loss_type"), "loss_type cispo has no dual clip (its "
                    + "weight is already capped): set dual_clip 0");
        if (cispo && epsilonHigh < 1)
            throw new ConfigException(List.of("epsilon_high", "loss_type"), "with loss_type cispo, epsilon_high is "
                    + "the cap of the importance weight, as in TRL (recommended 5.0); got " + epsilonHigh);
        if ("kl_cov".equals(lossMode) && dualClip != 0)
            throw new ConfigException(List.of("dual_clip", "loss_mode"), "loss_mode kl_cov has an unclipped "
                    + "surrogate, as in verl: set dual_clip 0");
        if (cispo && !"vanilla".equals(lossMode))
            throw new ConfigException(List.of("loss_mode", "loss_type"), "loss_type cispo and loss_mode " + lossMode
                    + " are two surrogates: choose one");
        if ("clip_cov".equals(lossMode) && !(clipCovLb < clipCovUb))
            throw new ConfigException(List.of("clip_cov_lb", "clip_cov_ub"), "clip_cov_lb (" + clipCovLb
                    + ") must be < clip_cov_ub (" + clipCovUb + ")");
        if (useAdaptiveEntropy && entropyCoefMin > entropyCoefMax)
            throw new ConfigException(List.of("entropy_coef_min", "entropy_coef_max"), "entropy_coef_min ("
                    + entropyCoefMin + ") must be <= entropy_coef_max (" + entropyCoefMax + ")");
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
            throw new ConfigException("max_len", "max_len (" + maxLen + ") leaves no room for a completion after "
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

    @Override
    public String toString() {
        return toJson();
    }
}
