package org.eapo4j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.eapo4j.train.TrainConfig;
import picocli.CommandLine.Option;

/** The training settings as flags; a flag that is not given keeps the config file's (or the default) value. */
public final class TrainOptions {
    @Option(names = "--config", description = "JSON file with any TrainConfig fields (flags override it)")
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
    @Option(names = "--warmup-steps", description = "supervised warm-up steps") Integer warmupSteps;
    @Option(names = "--warmup-batch") Integer warmupBatch;
    @Option(names = "--warmup-lr") Double warmupLr;
    @Option(names = "--rl-questions", description = "RL uses the first N train questions, 0 = all (default 40)")
    Integer rlQuestions;
    @Option(names = "--prompts", description = "questions per RL step") Integer prompts;
    @Option(names = "--group", description = "answers per question (G)") Integer group;
    @Option(names = "--max-new", description = "longest answer in tokens") Integer maxNew;
    @Option(names = "--temperature") Double temperature;
    @Option(names = "--top-k") Integer topK;
    @Option(names = "--top-p") Double topP;
    @Option(names = "--lr") Double lr;
    @Option(names = "--max-grad-norm") Double maxGradNorm;
    @Option(names = "--weight-decay") Double weightDecay;
    @Option(names = "--epochs", description = "update epochs per rollout batch") Integer epochs;
    @Option(names = "--minibatches", description = "minibatches (optimizer steps) per epoch") Integer minibatches;
    @Option(names = "--clip-low") Double clipLow;
    @Option(names = "--clip-high") Double clipHigh;
    @Option(names = "--dual-clip", description = "c_dual > 1, or 0 for off") Double dualClip;
    @Option(names = "--kl", description = "k3 KL coefficient beta to the frozen warm-up policy") Double kl;
    @Option(names = "--entropy-coef") Double entropyCoef;
    @Option(names = "--aggregation",
            description = "token-mean, seq-mean-token-mean, seq-mean-token-sum, seq-mean-token-sum-norm")
    String aggregation;
    @Option(names = "--no-std-scale", description = "advantages r - mean (Dr. GRPO) instead of z-scores")
    Boolean noStdScale;
    @Option(names = "--eval-every") Integer evalEvery;
    @Option(names = "--eval-questions", description = "held-out questions per evaluation, 0 = all") Integer evalQuestions;
    @Option(names = "--eval-samples", description = "answers per evaluation question") Integer evalSamples;
    @Option(names = "--checkpoint-every") Integer checkpointEvery;
    @Option(names = "--d-model") Integer dModel;
    @Option(names = "--layers") Integer layers;
    @Option(names = "--heads") Integer heads;
    @Option(names = "--threads", description = "LibTorch CPU threads, 0 = default") Integer threads;

    public TrainConfig build() {
        TrainConfig c;
        try {
            c = config == null ? new TrainConfig() : new ObjectMapper().readValue(config.toFile(), TrainConfig.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read config " + config, e);
        }
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
        if (warmupSteps != null) c.warmupSteps = warmupSteps;
        if (warmupBatch != null) c.warmupBatch = warmupBatch;
        if (warmupLr != null) c.warmupLr = warmupLr;
        if (rlQuestions != null) c.rlQuestions = rlQuestions;
        if (prompts != null) c.promptsPerStep = prompts;
        if (group != null) c.groupSize = group;
        if (maxNew != null) c.maxNewTokens = maxNew;
        if (temperature != null) c.temperature = temperature;
        if (topK != null) c.topK = topK;
        if (topP != null) c.topP = topP;
        if (lr != null) c.lr = lr;
        if (maxGradNorm != null) c.maxGradNorm = maxGradNorm;
        if (weightDecay != null) c.weightDecay = weightDecay;
        if (epochs != null) c.epochs = epochs;
        if (minibatches != null) c.minibatches = minibatches;
        if (clipLow != null) c.clipLow = clipLow;
        if (clipHigh != null) c.clipHigh = clipHigh;
        if (dualClip != null) c.dualClip = dualClip;
        if (kl != null) c.klBeta = kl;
        if (entropyCoef != null) c.entropyCoef = entropyCoef;
        if (aggregation != null) c.aggregation = aggregation;
        if (noStdScale != null && noStdScale) c.stdScale = false;
        if (evalEvery != null) c.evalEvery = evalEvery;
        if (evalQuestions != null) c.evalQuestions = evalQuestions;
        if (evalSamples != null) c.evalSamples = evalSamples;
        if (checkpointEvery != null) c.checkpointEvery = checkpointEvery;
        if (dModel != null) c.dModel = dModel;
        if (layers != null) c.layers = layers;
        if (heads != null) c.heads = heads;
        if (threads != null) c.threads = threads;
        c.validate();
        return c;
    }
}
