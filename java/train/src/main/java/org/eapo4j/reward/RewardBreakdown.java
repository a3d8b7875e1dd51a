package org.eapo4j.reward;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rewards of one group of samples: the weighted total per sample and each term's unweighted value per sample.
 * Arrays handed out are copies.
 */
public final class RewardBreakdown {
    private final List<String> names;
    private final double[] weights;
    private final double[][] values;   // [term][sample], unweighted
    private final double[] total;      // [sample]

    RewardBreakdown(List<String> names, double[] weights, double[][] values, double[] total) {
        this.names = List.copyOf(names);
        this.weights = weights;
        this.values = values;
        this.total = total;
    }

    public int size() {
        return total.length;
    }

    public List<String> names() {
        return names;
    }

    /** {@code sum_i weight_i * value_i} per sample. */
    public double[] total() {
        return total.clone();
    }

    /** The unweighted values of term {@code name} per sample. */
    public double[] values(String name) {
        int t = names.indexOf(name);
        if (t < 0) throw new IllegalArgumentException("no reward term named '" + name + "'; terms: " + names);
        return values[t].clone();
    }

    public double weight(String name) {
        int t = names.indexOf(name);
        if (t < 0) throw new IllegalArgumentException("no reward term named '" + name + "'; terms: " + names);
        return weights[t];
    }

    /**
     * Metrics named as TRL's GRPO trainer logs them: {@code rewards/<name>/mean} and {@code rewards/<name>/std} of
     * each term's unweighted values, then {@code reward} and {@code reward_std} of the total (population standard
     * deviation, so a single sample gives 0). Insertion-ordered.
     */
    public Map<String, Double> metrics() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int t = 0; t < names.size(); t++) {
            m.put("rewards/" + names.get(t) + "/mean", mean(values[t]));
            m.put("rewards/" + names.get(t) + "/std", std(values[t]));
        }
        m.put("reward", mean(total));
        m.put("reward_std", std(total));
        return m;
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }

    static double std(double[] v) {
        double mu = mean(v), s = 0;
        for (double x : v) s += (x - mu) * (x - mu);
        return Math.sqrt(s / v.length);
    }
}
