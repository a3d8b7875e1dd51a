package org.eapo4j.rl;

import java.util.HashMap;
import java.util.Map;

/**
 * EAPO's entropy-adaptive weights: lambda_neg = 1 and lambda_pos = clamp((H_t / H_0)^alpha, lambda_min, lambda_max)
 * ({@link Form#POWER}, the default), or the clipped linear form clamp(1 + alpha (H_t / H_0 - 1), lambda_min,
 * lambda_max) ({@link Form#LINEAR}: the same value and slope alpha at H_t = H_0, an alternative reconstruction of the
 * paper's unpublished formula). H_t is the step's rollout entropy, optionally smoothed by an EMA (H_t = beta * H_{t-1} + (1 - beta) * entropy,
 * started at the first value); H_0 is H_t of the first step, or the mean of the first {@code warmupSteps} steps
 * (lambda_pos is 1 until H_0 is known).
 */
public final class EapoWeighting implements WeightingSchedule {
    /** The functional form of lambda_pos in r = H_t / H_0 (before the clamp). */
    public enum Form {
        /** r^alpha (SPEC.md). */
        POWER,
        /** 1 + alpha (r - 1). */
        LINEAR;

        /** The setting's value: "power" or "linear". */
        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Form parse(String s) {
            for (Form f : values()) if (f.id().equals(s)) return f;
            throw new IllegalArgumentException("unknown EAPO form '" + s + "' (power or linear)");
        }
    }

    /**
     * Hyper-parameters; {@link #DEFAULT}: alpha 1, lambda in [0.05, 4], no smoothing, H_0 from the first step, the
     * power form.
     */
    public record Config(double alpha, double lambdaMin, double lambdaMax, double emaBeta, int h0Steps, Form form) {
        public static final Config DEFAULT = new Config(1.0, 0.05, 4.0, 0.0, 1, Form.POWER);

        /** The power form. */
        public Config(double alpha, double lambdaMin, double lambdaMax, double emaBeta, int h0Steps) {
            this(alpha, lambdaMin, lambdaMax, emaBeta, h0Steps, Form.POWER);
        }

        public Config {
            if (form == null) throw new IllegalArgumentException("form must not be null");
            if (!(alpha >= 0)) throw new IllegalArgumentException("alpha must be >= 0");
            if (!(lambdaMin >= 0) || !(lambdaMax >= lambdaMin))
                throw new IllegalArgumentException("need 0 <= lambdaMin <= lambdaMax");
            if (!(emaBeta >= 0 && emaBeta < 1)) throw new IllegalArgumentException("emaBeta must be in [0, 1)");
            if (h0Steps < 1) throw new IllegalArgumentException("h0Steps must be >= 1");
        }
    }

    private final Config cfg;
    private double smoothed = Double.NaN, h0 = Double.NaN, h0Sum;
    private int seen;
    private double lastH = Double.NaN, lastRatio = Double.NaN;

    public EapoWeighting(Config cfg) {
        this.cfg = cfg;
    }

    public EapoWeighting() {
        this(Config.DEFAULT);
    }

    public Config config() {
        return cfg;
    }

    @Override
    public String name() {
        return "eapo";
    }

    /** H_0, or NaN before it is known. */
    public double h0() {
        return h0;
    }

    /** The (smoothed) H_t of the last step. */
    public double lastEntropy() {
        return lastH;
    }

    /** H_t / H_0 of the last step, NaN before H_0 is known. */
    public double lastRatio() {
        return lastRatio;
    }

    @Override
    public Weights next(double entropy) {
        if (!Double.isFinite(entropy) || entropy < 0) throw new IllegalArgumentException("bad entropy " + entropy);
        smoothed = Double.isNaN(smoothed) || cfg.emaBeta() == 0 ? entropy
                : cfg.emaBeta() * smoothed + (1 - cfg.emaBeta()) * entropy;
        lastH = smoothed;
        seen++;
        if (Double.isNaN(h0)) {
            h0Sum += smoothed;
            if (seen >= cfg.h0Steps()) h0 = h0Sum / cfg.h0Steps();
            else {
                lastRatio = Double.NaN;
                return new Weights(1.0, 1.0);
            }
        }
        lastRatio = h0 > 0 ? smoothed / h0 : 1.0;
        double lam = cfg.form() == Form.POWER ? Math.pow(lastRatio, cfg.alpha()) : 1 + cfg.alpha() * (lastRatio - 1);
        lam = Math.max(cfg.lambdaMin(), Math.min(cfg.lambdaMax(), lam));
        return new Weights(lam, 1.0);
    }

    @Override
    public Map<String, Double> state() {
        Map<String, Double> m = new HashMap<>();
        m.put("smoothed", smoothed);
        m.put("h0", h0);
        m.put("h0Sum", h0Sum);
        m.put("seen", (double) seen);
        return m;
    }

    @Override
    public void restore(Map<String, Double> s) {
        smoothed = s.getOrDefault("smoothed", Double.NaN);
        h0 = s.getOrDefault("h0", Double.NaN);
        h0Sum = s.getOrDefault("h0Sum", 0.0);
        seen = s.getOrDefault("seen", 0.0).intValue();
    }
}
