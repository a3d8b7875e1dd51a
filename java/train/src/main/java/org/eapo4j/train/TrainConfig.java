package org.eapo4j.train;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import org.eapo4j.kernels.LossAggregation;
import org.eapo4j.kernels.PolicyLossConfig;
import org.eapo4j.rl.EapoWeighting;
import org.eapo4j.rl.UpdateConfig;

/**
 * Every setting of a training run (warm-up, RL, evaluation, model size). Public fields so the CLI, a JSON config
 * file and the checkpoint header all read and write the same thing; the defaults are the embedded default run.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public final class TrainConfig {
    // data
    public String trainData = "medqa/train.jsonl";
    public String heldoutData = "medqa/heldout.jsonl";
    public long seed = 1;
    // model
    public int dModel = 128, layers = 2, heads = 4, dFf = 512, maxLen = 96;
    // supervised warm-up
    public int warmupSteps = 400, warmupBatch = 32;
    public double warmupLr = 5e-3;
    // RL
    public String weighting = "eapo";
    public double eapoAlpha = 1.0, lambdaMin = 0.05, lambdaMax = 4.0, entropyEma = 0.0;
    public int h0Steps = 1;
    /** RL draws its questions from the first rlQuestions train questions (0 = all of them). */
    public int rlQuestions = 40;
    public int steps = 150, promptsPerStep = 8, groupSize = 8, maxNewTokens = 32;
    public double temperature = 1.0;
    public int topK = 0;
    public double topP = 1.0;
    public double lr = 3e-4, maxGradNorm = 1.0, weightDecay = 0.0;
    public int epochs = 1, minibatches = 2;
    public double clipLow = 0.2, clipHigh = 0.28, dualClip = 3.0, klBeta = 0.0, entropyCoef = 0.0;
    public String aggregation = "token-mean";
    public boolean stdScale = true;
    // evaluation and bookkeeping
    public int evalEvery = 25, evalQuestions = 0, evalSamples = 8, trainEvalQuestions = 40;
    public int checkpointEvery = 25;
    public int threads = 1;

    public EapoWeighting.Config eapoConfig() {
        return new EapoWeighting.Config(eapoAlpha, lambdaMin, lambdaMax, entropyEma, h0Steps);
    }

    public PolicyLossConfig lossConfig() {
        return PolicyLossConfig.builder().temperature(temperature).clipLow(clipLow).clipHigh(clipHigh)
                .dualClip(dualClip).klBeta(klBeta).entropyCoef(entropyCoef).build();
    }

    public UpdateConfig updateConfig() {
        return new UpdateConfig(lossConfig(), LossAggregation.fromName(aggregation), epochs, minibatches, lr,
                maxGradNorm, maxNewTokens);
    }

    /** Checks the values that the component constructors do not. */
    public void validate() {
        lossConfig();
        updateConfig();
        eapoConfig();
        org.eapo4j.rl.Weightings.parse(weighting, eapoConfig());
        if (steps < 0 || warmupSteps < 0) throw new IllegalArgumentException("steps must be >= 0");
        if (groupSize < 2) throw new IllegalArgumentException("groupSize must be >= 2 (advantages are group-relative)");
        if (rlQuestions < 0) throw new IllegalArgumentException("rlQuestions must be >= 0");
        if (promptsPerStep < 1) throw new IllegalArgumentException("promptsPerStep must be >= 1");
        if (evalEvery < 0 || checkpointEvery < 0) throw new IllegalArgumentException("intervals must be >= 0");
    }
}
