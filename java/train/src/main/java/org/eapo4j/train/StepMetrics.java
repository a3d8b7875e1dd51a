package org.eapo4j.train;

import java.util.LinkedHashMap;
import java.util.Map;

import org.eapo4j.rl.Advantages;
import org.eapo4j.rl.PolicyUpdate;
import org.eapo4j.rl.WeightingSchedule;

/**
 * The metric records of metrics.jsonl for warm-up and RL steps (names in docs/TRAINING.md). NaN values (e.g. h0 of
 * a non-EAPO weighting) are left out of the record.
 */
final class StepMetrics {
    /**
     * Wall-clock marks of one RL step, System.nanoTime(), and the seconds spent in collectives during it (inside the
     * phases above: 0 for one process but a few array copies).
     */
    record Times(long start, long generated, long scored, long oldPass, long updated, double commSeconds) {}

    private StepMetrics() {}

    static Map<String, Object> warmup(int step, PolicyUpdate.SupervisedStats s, long t0) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "warmup");
        m.put("step", step);
        m.put("cross_entropy", s.crossEntropy());
        m.put("grad_norm", s.gradNorm());
        m.put("step_time_s", (System.nanoTime() - t0) / 1e9);
        return m;
    }

    /** An RL step's record, with the loss variants' figures of the step (only those that are on: {@link #variants}). */
    static Map<String, Object> rl(int step, ScoredBatch sc, double meanResponseLen, double ht, double h0,
                                  WeightingSchedule.Weights w, PolicyUpdate.Stats st, Times t,
                                  Map<String, Object> variants) {
        int n = sc.size();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "rl");
        m.put("step", step);
        m.put("reward_mean", mean(sc.rewards()));
        m.put("reward_std", std(sc.rewards()));
        sc.extras().forEach(m::put);                            // coverage for the embedded task
        m.put("entropy_ht", ht);
        m.put("h0", h0);
        m.put("lambda_pos", w.lambdaPos());
        m.put("lambda_neg", w.lambdaNeg());
        m.put("frac_pos", (double) sc.count(Advantages.Sign.POSITIVE) / n);
        m.put("frac_neg", (double) sc.count(Advantages.Sign.NEGATIVE) / n);
        m.put("frac_neutral", (double) sc.count(Advantages.Sign.NEUTRAL) / n);
        m.put("loss", st.loss());
        m.put("clip_frac", st.clipFraction());
        m.put("kl", st.kl());
        m.put("entropy_update", st.entropy());
        m.put("response_len", meanResponseLen);
        m.put("truncated_frac", sc.truncatedFraction());
        int masked = 0;
        for (boolean b : sc.lossMasked()) if (b) masked++;
        if (masked > 0) m.put("masked_frac", (double) masked / n);
        m.put("grad_norm", st.gradNorm());
        if (variants != null) variants.forEach(m::put);
        m.put("gen_time_s", (t.generated() - t.start()) / 1e9);       // rollout: sampling with the KV cache
        m.put("reward_time_s", (t.scored() - t.generated()) / 1e9);   // grading and advantages
        m.put("old_pass_time_s", (t.oldPass() - t.scored()) / 1e9);   // old-policy (and reference) token statistics
        m.put("update_time_s", (t.updated() - t.oldPass()) / 1e9);    // epochs x minibatches of loss + backward + AdamW
        m.put("allreduce_time_s", t.commSeconds());   // data parallel: gradient and statistics collectives, any phase
        m.put("step_time_s", (System.nanoTime() - t.start()) / 1e9);
        m.values().removeIf(v -> v instanceof Double d && d.isNaN());
        return m;
    }

    /**
     * Peak resident memory of the step's rollout and of its old-policy pass + update, in GB (Linux; left out where
     * the figures are NaN).
     */
    static void memory(Map<String, Object> m, double rolloutPeakBytes, double updatePeakBytes) {
        if (!Double.isNaN(rolloutPeakBytes)) m.put("rollout_peak_rss_gb", rolloutPeakBytes / ResidentMemory.GB);
        if (!Double.isNaN(updatePeakBytes)) m.put("update_peak_rss_gb", updatePeakBytes / ResidentMemory.GB);
    }

    /**
     * The figures of the loss variants that {@code cfg} turns on: the share of loss-carrying tokens below the
     * top-entropy threshold (and the threshold), with Clip-Cov's dropped policy gradient, with KL-Cov's penalty, and
     * the entropy coefficient in force (adaptive).
     */
    static Map<String, Object> variants(RlConfig cfg, PolicyPass.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        PolicyUpdate.VariantShares v = r.stats().variants();
        if (cfg.topEntropyQuantile < 1) {
            m.put("entropy_threshold", r.entropyThreshold());
            m.put("entropy_masked_frac", v.entropyMasked());
        }
        if ("clip_cov".equals(cfg.lossMode)) m.put("pg_dropped_frac", v.pgDropped());
        if ("kl_cov".equals(cfg.lossMode)) m.put("kl_cov_frac", v.klCov());
        if (cfg.useAdaptiveEntropy || cfg.entropyCoef != 0) m.put("entropy_coef", r.entropyCoef());
        return m;
    }

    static double mean(double[] a) {
        double s = 0;
        for (double v : a) s += v;
        return s / a.length;
    }

    static double std(double[] a) {
        double m = mean(a), s = 0;
        for (double v : a) s += (v - m) * (v - m);
        return Math.sqrt(s / a.length);
    }
}
