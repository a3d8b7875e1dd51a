package org.eapo4j.train;

import org.eapo4j.kernels.PolicyLossConfig;
import org.eapo4j.model.AdamW;
import org.eapo4j.model.CausalLM;
import org.eapo4j.model.Sampler;
import org.eapo4j.rl.Advantages;
import org.eapo4j.rl.Collectives;
import org.eapo4j.rl.GradAccumulator;
import org.eapo4j.rl.PolicyUpdate;
import org.eapo4j.rl.SequenceBatch;
import org.eapo4j.rl.WeightingSchedule;

/**
 * The part of an RL step between scoring and the metrics: the old-policy pass (log-probs and the entropy H_t, the
 * global mask-weighted mean over {@code comm}'s ranks), the reference pass, the weights of the schedule (zero for
 * loss-masked rows), and the update. The passes run prompt group by prompt group, as the update's micro-batches do,
 * so that a row's numbers never depend on which rows share its rank.
 */
final class PolicyPass {
    /** RNG stream of Sampler.rng(seed, step, stream) that orders a step's minibatches. */
    static final int S_MINIBATCH = 5;

    /** RNG stream of Sampler.rng(seed, step, stream) that draws Clip-Cov's tokens. */
    static final int S_CLIP_COV = 6;

    /**
     * H_t, the schedule's weights, the update's statistics, when the old-policy pass ended (System.nanoTime), the
     * entropy coefficient in force and the top-entropy threshold of the step (0 = off).
     */
    record Result(double entropy, WeightingSchedule.Weights weights, PolicyUpdate.Stats stats, long oldPassDone,
                  double entropyCoef, double entropyThreshold) {}

    private PolicyPass() {}

    static Result run(RlConfig cfg, CausalLM policy, CausalLM reference, AdamW opt, WeightingSchedule schedule,
                      SequenceBatch batch, ScoredBatch sc, int step, Collectives comm, GradAccumulator acc,
                      double entropyCoefInForce) {
        int unit = cfg.microBatchRows();
        float[][] oldStats = PolicyUpdate.tokenStats(policy, batch, cfg.headPath(), cfg.temperature, unit);
        double[] hs = comm.sum(batch.maskedSums(oldStats[1]));   // H_t over every rollout (all ranks'), masked or not
        double ht = hs[1] == 0 ? 0 : hs[0] / hs[1];
        requireFinite("RL step " + step, "rollout entropy", ht, "learning_rate");
        float[] refLogp = reference == null ? null
                : PolicyUpdate.tokenStats(reference, batch, cfg.headPath(), cfg.temperature, unit)[0];
        WeightingSchedule.Weights w = schedule.next(ht);
        double[] weights = Advantages.weights(sc.signs(), w.lambdaPos(), w.lambdaNeg());
        for (int i = 0; i < weights.length; i++) if (sc.lossMasked()[i]) weights[i] = 0;
        SequenceBatch lossBatch = batch.withRowsMasked(sc.lossMasked());
        BatchVariants.Step v = BatchVariants.of(cfg, lossBatch, oldStats, sc.advantages(), step, comm);
        PolicyLossConfig loss = cfg.lossConfig(entropyCoefInForce, v.entropyThreshold());
        long tOld = System.nanoTime();
        training(policy, true);   // dropout (LoRA's) only in the update's forward passes
        PolicyUpdate.Stats st;
        try {
            st = PolicyUpdate.run(policy, opt, lossBatch, oldStats[0], refLogp, sc.advantages(), weights,
                    cfg.updateConfig(loss), Sampler.rng(cfg.seed, step, S_MINIBATCH), comm, acc, v.tokens());
        } finally {
            training(policy, false);
        }
        requireFinite("RL step " + step, "gradient norm", st.gradNorm(), "learning_rate");
        return new Result(ht, w, st, tOld, entropyCoefInForce, v.entropyThreshold());
    }

    /**
     * Switches LoRA dropout on for the update's forward passes and off again (rollouts and log-probs run without
     * it); nothing else in our models reads the training flag, so other models are left alone.
     */
    static void training(CausalLM policy, boolean on) {
        if (policy instanceof org.eapo4j.hf.HfDecoder d && d.lora() != null && d.lora().loraDropout() > 0) d.training(on);
    }

    /** A NaN or infinite figure means the run diverged: stop with a message instead of training on garbage. */
    static void requireFinite(String where, String what, double v, String setting) {
        if (!Double.isFinite(v))
            throw new TrainingDivergedException(where + ": " + what + " is " + v + "; training diverged (try a "
                    + "lower " + setting + ")");
    }
}
