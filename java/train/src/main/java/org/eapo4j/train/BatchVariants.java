package org.eapo4j.train;

import org.eapo4j.kernels.CovarianceSelection;
import org.eapo4j.kernels.EntropyControls;
import org.eapo4j.model.Sampler;
import org.eapo4j.rl.Collectives;
import org.eapo4j.rl.PolicyUpdate;
import org.eapo4j.rl.SequenceBatch;

/**
 * The batch-wide statistics of the loss variants of one RL step, from the old-policy pass (docs/LOSS_VARIANTS.md,
 * "what differs from the source"): the top-entropy threshold (the quantile of every rank's response-token
 * entropies), Clip-Cov's kept tokens and KL-Cov's penalised tokens (the covariance of log-prob and advantage over the
 * whole batch). The statistics run on the global batch, its tokens in global row order (each row's response tokens
 * only, whatever the padding), so that 1 or N processes choose the same tokens.
 */
final class BatchVariants {
    /** The step's threshold (0 = off) and per-token inputs in this rank's batch layout (null = off). */
    record Step(double entropyThreshold, PolicyUpdate.TokenVariants tokens) {}

    private BatchVariants() {}

    static Step of(RlConfig cfg, SequenceBatch batch, float[][] oldStats, double[] advantages, int step,
                   Collectives comm) {
        boolean top = cfg.topEntropyQuantile < 1, clipCov = "clip_cov".equals(cfg.lossMode),
                klCov = "kl_cov".equals(cfg.lossMode);
        if (!top && !clipCov && !klCov) return new Step(0, null);
        // this rank's response tokens, row by row: log-prob, entropy, advantage, mask
        int n = 0;
        for (int i = 0; i < batch.rows; i++) n += batch.responseLength(i);
        double[] mine = new double[4 * n];
        for (int i = 0, k = 0; i < batch.rows; i++)
            for (int j = 0; j < batch.responseLength(i); j++, k++) {
                int t = i * batch.tr + j;
                mine[k] = oldStats[0][t];
                mine[n + k] = oldStats[1][t];
                mine[2 * n + k] = advantages[i];
                mine[3 * n + k] = batch.mask[t];
            }
        double[][] all = comm.gather(mine);
        int total = 0, offset = 0;
        for (int r = 0; r < all.length; r++) {
            if (r < comm.rank()) offset += all[r].length / 4;
            total += all[r].length / 4;
        }
        float[] logp = new float[total], ent = new float[total], adv = new float[total], mask = new float[total];
        for (int r = 0, at = 0; r < all.length; r++) {
            int m = all[r].length / 4;
            for (int k = 0; k < m; k++, at++) {
                logp[at] = (float) all[r][k];
                ent[at] = (float) all[r][m + k];
                adv[at] = (float) all[r][2 * m + k];
                mask[at] = (float) all[r][3 * m + k];
            }
        }
        double threshold = 0;
        if (top) {
            int live = 0;
            for (float x : mask) if (x != 0) live++;
            float[] kept = new float[live];
            for (int k = 0, c = 0; k < total; k++) if (mask[k] != 0) kept[c++] = ent[k];
            threshold = live == 0 ? 0 : EntropyControls.topEntropyThreshold(kept, cfg.topEntropyQuantile);
        }
        float[] keep = null, absKl = null;
        if (clipCov) {
            long seed = Sampler.rng(cfg.seed, step, PolicyPass.S_CLIP_COV).nextLong();
            byte[] k = CovarianceSelection.clipCovKeep(logp, logp, adv, mask, cfg.epsilon, cfg.epsilonHigh,
                    cfg.clipCovRatio, cfg.clipCovLb, cfg.clipCovUb, seed);   // old = current at the rollout
            keep = local(batch, offset, n, idx -> k[idx] != 0 ? 1f : 0f, 1f);
        }
        if (klCov) {
            float[] k = CovarianceSelection.klCovCoef(logp, adv, mask, cfg.klCovRatio, cfg.ppoKlCoef);
            absKl = local(batch, offset, n, idx -> k[idx], 0f);
        }
        return new Step(threshold, keep == null && absKl == null ? null : new PolicyUpdate.TokenVariants(keep, absKl));
    }

    /** This rank's tokens [offset, offset + n) of a global per-token value, back in the batch's [rows * tr] layout. */
    private static float[] local(SequenceBatch batch, int offset, int n, java.util.function.IntToDoubleFunction g,
                                 float padding) {
        float[] out = new float[batch.rows * batch.tr];
        java.util.Arrays.fill(out, padding);
        for (int i = 0, k = 0; i < batch.rows; i++)
            for (int j = 0; j < batch.responseLength(i); j++, k++) out[i * batch.tr + j] = (float) g.applyAsDouble(offset + k);
        return out;
    }
}
