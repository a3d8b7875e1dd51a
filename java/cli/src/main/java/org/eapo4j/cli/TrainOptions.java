package org.eapo4j.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.eapo4j.model.ModelConfig;
import org.eapo4j.train.ConfigException;
import org.eapo4j.train.RlConfig;
import picocli.CommandLine.Option;

/**
 * The training settings as flags, each the spelling of one {@link RlConfig} field ({@link #FLAGS}); a flag that is
 * not given keeps the config file's (or the default, or a resumed run's) value. Validation is
 * {@link RlConfig#validate()}'s alone: the CLI only maps its errors back to the flags.
 */
public final class TrainOptions {
    /** RlConfig JSON name to the flag that sets it, for messages. */
    public static final Map<String, String> FLAGS = new LinkedHashMap<>();

    static {
        String[][] pairs = {
            {"config", "--config"}, {"out", "--out"}, {"resume", "--resume"}, {"init_from", "--init-from"}, {"seed", "--seed"}, {"train_data", "--train-data"},
            {"heldout_data", "--heldout-data"}, {"weighting", "--weighting"}, {"eapo_alpha", "--alpha"},
            {"lambda_min", "--lambda-min"}, {"lambda_max", "--lambda-max"}, {"entropy_ema", "--entropy-ema"},
            {"h0_steps", "--h0-steps"}, {"steps", "--steps"}, {"sft_warmup_steps", "--warmup-steps"},
            {"fact_warmup_steps", "--fact-steps"}, {"sft_partial_points", "--partial-points"},
            {"sft_warmup_batch", "--warmup-batch"}, {"sft_warmup_lr", "--warmup-lr"},
            {"rl_questions", "--rl-questions"}, {"prompts_per_step", "--prompts"}, {"num_generations", "--group"},
            {"max_completion_length", "--max-new"}, {"temperature", "--temperature"}, {"top_k", "--top-k"},
            {"top_p", "--top-p"}, {"learning_rate", "--lr"}, {"max_grad_norm", "--max-grad-norm"},
            {"weight_decay", "--weight-decay"}, {"num_iterations", "--epochs"}, {"minibatches", "--minibatches"},
            {"epsilon", "--clip-low"}, {"epsilon_high", "--clip-high"}, {"dual_clip", "--dual-clip"},
            {"beta", "--kl"}, {"entropy_coef", "--entropy-coef"}, {"loss_type", "--aggregation"},
            {"scale_rewards", "--scale-rewards"}, {"mask_truncated_completions", "--mask-truncated-completions"},
            {"eval_steps", "--eval-every"}, {"eval_questions", "--eval-questions"},
            {"eval_samples", "--eval-samples"}, {"train_eval_questions", "--train-eval-questions"},
            {"save_steps", "--checkpoint-every"}, {"d_model", "--d-model"}, {"layers", "--layers"},
            {"heads", "--heads"}, {"d_ff", "--d-ff"}, {"max_len", "--max-len"}, {"threads", "--threads"},
            {"nproc", "--nproc"}, {"lm_head", "--lm-head"}, {"task", "--task"}, {"model", "--model"},
            {"model_name_or_path", "--model"}, {"device", "--device"},
            {"deterministic_gradients", "--deterministic-gradients"}, {"lora_r", "--lora-r"},
            {"lora_alpha", "--lora-alpha"}, {"lora_dropout", "--lora-dropout"},
            {"lora_target_modules", "--lora-targets"},
        };
        for (String[] p : pairs) FLAGS.put(p[0], p[1]);
    }

    @Option(names = "--config", description = "JSON file of RlConfig settings (snake_case names, see docs/TRAINING.md); "
            + "flags override it")
    Path config;
    @Option(names = "--seed") Long seed;
    @Option(names = "--train-data", description = "JSONL file, or an embedded name (default medqa/train.jsonl)")
    String trainData;
    @Option(names = "--heldout-data", description = "JSONL file, or an embedded name (default medqa/heldout.jsonl)")
    String heldoutData;
    @Option(names = "--weighting", description = "eapo, grpo, w-reinforce, psr, nsr or fixed:POS,NEG (default eapo)")
    String weighting;
    @Option(names = "--alpha", description = "EAPO exponent alpha (default 1)") Double alpha;
    @Option(names = "--lambda-min", description = "EAPO lower clamp of lambda_pos (default 0.05)") Double lambdaMin;
    @Option(names = "--lambda-max", description = "EAPO upper clamp of lambda_pos (default 4)") Double lambdaMax;
    @Option(names = "--entropy-ema", description = "EMA beta for H_t, 0 = none (default 0)") Double entropyEma;
    @Option(names = "--h0-steps", description = "H_0 = mean H_t of the first k steps (default 1)") Integer h0Steps;
    @Option(names = "--steps", description = "RL steps") Integer steps;
    @Option(names = "--fact-steps", description = "built-in model: warm-up steps on the fact corpus (one fact of a "
            + "train or held-out question per sentence), before the answer warm-up") Integer factSteps;
    @Option(names = "--warmup-steps", description = "supervised warm-up steps on answers of the train questions")
    Integer warmupSteps;
    @Option(names = "--partial-points", description = "key points per warm-up answer (a random choice each time); "
            + "0 = the data's reference_answer") Integer partialPoints;
    @Option(names = "--warmup-batch") Integer warmupBatch;
    @Option(names = "--warmup-lr") Double warmupLr;
    @Option(names = "--rl-questions", description = "RL uses the first N train questions, 0 = all (default 40)")
    Integer rlQuestions;
    @Option(names = {"--prompts", "--prompts-per-step"}, description = "questions per RL step") Integer prompts;
    @Option(names = {"--group", "--num-generations"}, description = "answers per question (G)") Integer group;
    @Option(names = {"--max-new", "--max-completion-length"}, description = "longest answer in tokens") Integer maxNew;
    @Option(names = "--temperature") Double temperature;
    @Option(names = "--top-k") Integer topK;
    @Option(names = "--top-p") Double topP;
    @Option(names = {"--lr", "--learning-rate"}) Double lr;
    @Option(names = "--max-grad-norm") Double maxGradNorm;
    @Option(names = "--weight-decay") Double weightDecay;
    @Option(names = {"--epochs", "--num-iterations"}, description = "update epochs per rollout batch") Integer epochs;
    @Option(names = "--minibatches", description = "minibatches (optimizer steps) per epoch") Integer minibatches;
    @Option(names = {"--clip-low", "--epsilon"}) Double clipLow;
    @Option(names = {"--clip-high", "--epsilon-high"}) Double clipHigh;
    @Option(names = "--dual-clip", description = "c_dual > 1, or 0 for off") Double dualClip;
    @Option(names = {"--kl", "--beta"}, description = "k3 KL coefficient beta to the frozen warm-up policy") Double kl;
    @Option(names = "--entropy-coef") Double entropyCoef;
    @Option(names = {"--aggregation", "--loss-type"},
            description = "token-mean, seq-mean-token-mean, seq-mean-token-sum, seq-mean-token-sum-norm")
    String aggregation;
    @Option(names = "--scale-rewards", description = "advantage scaling: group (default), batch or none")
    String scaleRewards;
    @Option(names = "--no-std-scale", description = "advantages r - mean (Dr. GRPO): --scale-rewards none")
    Boolean noStdScale;
    @Option(names = "--mask-truncated-completions", description = "no loss for answers cut at --max-new")
    Boolean maskTruncated;
    @Option(names = {"--eval-every", "--eval-steps"}) Integer evalEvery;
    @Option(names = "--eval-questions", description = "held-out questions per evaluation, 0 = all") Integer evalQuestions;
    @Option(names = "--eval-samples", description = "answers per evaluation question") Integer evalSamples;
    @Option(names = "--train-eval-questions", description = "train questions evaluated (default 40)")
    Integer trainEvalQuestions;
    @Option(names = {"--checkpoint-every", "--save-steps"}) Integer checkpointEvery;
    @Option(names = "--d-model") Integer dModel;
    @Option(names = "--layers") Integer layers;
    @Option(names = "--heads") Integer heads;
    @Option(names = "--d-ff") Integer dFf;
    @Option(names = "--max-len", description = "longest prompt + answer of the built-in model") Integer maxLen;
    @Option(names = "--threads", description = "LibTorch CPU threads, 0 = default") Integer threads;
    @Option(names = "--device", description = "cpu (default), cuda or cuda:K: where the policy, the reference and "
            + "every tensor of the update and the generator live (needs the GPU build of the PyTorch presets)")
    String device;
    @Option(names = "--deterministic-gradients", arity = "1", description = "sum micro-batch and process gradients "
            + "in float64 so 1 or N processes give the same run (default true; 8 bytes per trained parameter)")
    Boolean deterministicGradients;
    @Option(names = "--lora-r", description = "LoRA rank r: train adapters on the frozen model instead of all its "
            + "weights (0 = full fine-tuning, the default; Hugging Face models)") Integer loraR;
    @Option(names = "--lora-alpha", description = "LoRA alpha: the adapters add (alpha / r) B A x (default 16)")
    Double loraAlpha;
    @Option(names = "--lora-dropout", description = "dropout on the adapters' input during the update (default 0)")
    Double loraDropout;
    @Option(names = "--lora-targets", description = "adapted modules, comma-separated (q_proj,v_proj,...) or "
            + "all-linear (default)") String loraTargets;
    @Option(names = "--lm-head", description = "full (the [N, V] logits, default) or fused (the fused linear head: "
            + "logits in chunks, never all at once)") String lmHead;

    /**
     * Refuses the flags that only the built-in model has (its size, the fact corpus) where no built-in model trains
     * ({@code why} says what trains instead): they would otherwise be ignored without a word.
     */
    void refuseBuiltinOnly(String why) {
        Object[][] only = {{"fact_warmup_steps", factSteps}, {"sft_partial_points", partialPoints},
                {"d_model", dModel}, {"layers", layers}, {"heads", heads}, {"d_ff", dFf}, {"max_len", maxLen}};
        for (Object[] o : only)
            if (o[1] != null)
                throw new ConfigException((String) o[0], FLAGS.get((String) o[0]) + " sets the built-in model (or "
                        + "its fact-corpus warm-up), which trains with --task medqa and no --model; " + why);
    }

    /** The built-in model's shape: the defaults ({@link ModelConfig#small}) with the size flags applied. */
    ModelConfig builtinModel(int vocab) {
        return builtinModel(ModelConfig.small(vocab));
    }

    /** {@code d} with the size flags applied. */
    ModelConfig builtinModel(ModelConfig d) {
        int vocab = d.vocab();
        int dm = dModel != null ? dModel : d.dModel(), h = heads != null ? heads : d.heads();
        if (dm < 1 || dm > 8192) throw new ConfigException("d_model", "must be in [1, 8192], got " + dm);
        if (h < 1 || dm % h != 0)
            throw new ConfigException(java.util.List.of("d_model", "heads"), "d_model (" + dm
                    + ") must be divisible by heads (" + h + ")");
        int l = layers != null ? layers : d.layers(), ff = dFf != null ? dFf : d.dFf();
        int len = maxLen != null ? maxLen : d.maxLen();
        if (l < 1 || l > 64) throw new ConfigException("layers", "must be in [1, 64], got " + l);
        if (ff < 1 || ff > 32768) throw new ConfigException("d_ff", "must be in [1, 32768], got " + ff);
        if (len < 2 || len > 8192) throw new ConfigException("max_len", "must be in [2, 8192], got " + len);
        return new ModelConfig(vocab, dm, l, h, ff, len);
    }

    /**
     * {@code base} (e.g. a resumed run's stored settings) with the fields the --config file names and then the
     * given flags applied; validated. {@code base} itself is not changed.
     */
    public RlConfig applyOver(RlConfig base) {
        return applyTo(config == null ? base.copy() : base.overlay(config));
    }

    private RlConfig applyTo(RlConfig c) {
        if (seed != null) c.seed = seed;
        if (trainData != null) c.trainData = trainData;
        if (heldoutData != null) c.heldoutData = heldoutData;
        if (weighting != null) c.weighting = weighting;
        if (alpha != null) c.eapoAlpha = alpha;
        if (lambdaMin != null) c.lambdaMin = lambdaMin;
        if (lambdaMax != null) c.lambdaMax = lambdaMax;
        if (entropyEma != null) c.entropyEma = entropyEma;
        if (h0Steps != null) c.h0Steps = h0Steps;
        if (steps != null) c.steps = steps;
        if (factSteps != null) c.factWarmupSteps = factSteps;
        if (warmupSteps != null) c.sftWarmupSteps = warmupSteps;
        if (partialPoints != null) c.sftPartialPoints = partialPoints;
        if (warmupBatch != null) c.sftWarmupBatch = warmupBatch;
        if (warmupLr != null) c.sftWarmupLr = warmupLr;
        if (rlQuestions != null) c.rlQuestions = rlQuestions;
        if (prompts != null) c.promptsPerStep = prompts;
        if (group != null) c.numGenerations = group;
        if (maxNew != null) c.maxCompletionLength = maxNew;
        if (temperature != null) c.temperature = temperature;
        if (topK != null) c.topK = topK;
        if (topP != null) c.topP = topP;
        if (lr != null) c.learningRate = lr;
        if (maxGradNorm != null) c.maxGradNorm = maxGradNorm;
        if (weightDecay != null) c.weightDecay = weightDecay;
        if (epochs != null) c.numIterations = epochs;
        if (minibatches != null) c.minibatches = minibatches;
        if (clipLow != null) c.epsilon = clipLow;
        if (clipHigh != null) c.epsilonHigh = clipHigh;
        if (dualClip != null) c.dualClip = dualClip;
        if (kl != null) c.beta = kl;
        if (entropyCoef != null) c.entropyCoef = entropyCoef;
        if (aggregation != null) c.lossType = aggregation;
        if (noStdScale != null && noStdScale) {
            if (scaleRewards != null && !scaleRewards.equalsIgnoreCase("none"))
                throw new ConfigException("scale_rewards", "--no-std-scale contradicts --scale-rewards " + scaleRewards);
            c.scaleRewards = "none";
        }
        if (scaleRewards != null) c.scaleRewards = scaleRewards;
        if (maskTruncated != null) c.maskTruncatedCompletions = maskTruncated;
        if (evalEvery != null) c.evalSteps = evalEvery;
        if (evalQuestions != null) c.evalQuestions = evalQuestions;
        if (evalSamples != null) c.evalSamples = evalSamples;
        if (trainEvalQuestions != null) c.trainEvalQuestions = trainEvalQuestions;
        if (checkpointEvery != null) c.saveSteps = checkpointEvery;
        if (device != null) c.device = device;
        if (loraR != null) c.loraR = loraR;
        if (loraAlpha != null) c.loraAlpha = loraAlpha;
        if (loraDropout != null) c.loraDropout = loraDropout;
        if (loraTargets != null) c.loraTargetModules = loraTargets;
        if (deterministicGradients != null) c.deterministicGradients = deterministicGradients;
        if (threads != null) c.threads = threads;
        if (lmHead != null) c.lmHead = lmHead;
        return c.validate();
    }
}
