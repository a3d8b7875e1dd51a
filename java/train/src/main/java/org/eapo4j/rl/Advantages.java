package org.eapo4j.rl;

/**
 * Group-relative advantages and the positive / negative / neutral split of SPEC.md. Rewards come in groups of
 * {@code groupSize} consecutive samples (the G answers to one prompt).
 */
public final class Advantages {
    /** Which side of its group's mean reward a sample falls on. */
    public enum Sign { POSITIVE, NEGATIVE, NEUTRAL }

    public static final double STD_EPS = 1e-6;

    private Advantages() {}

    /**
     * A_i = (r_i - mu) / (sigma + 1e-6) with std scaling, else r_i - mu (Dr. GRPO); mu and sigma over the group.
     * sigma is the population standard deviation (divide by G).
     */
    public static double[] compute(double[] rewards, int groupSize, boolean stdScale) {
        return compute(rewards, groupSize, stdScale ? RewardScaling.GROUP : RewardScaling.NONE);
    }

    /**
     * A_i = (r_i - mu) / (sigma + 1e-6), mu the group mean and sigma the group's ({@link RewardScaling#GROUP}) or
     * the whole batch's ({@link RewardScaling#BATCH}) standard deviation; A_i = r_i - mu for
     * {@link RewardScaling#NONE}.
     */
    public static double[] compute(double[] rewards, int groupSize, RewardScaling scaling) {
        checkGroups(rewards.length, groupSize);
        double[] a = new double[rewards.length];
        double batchSigma = std(rewards, 0, rewards.length, mean(rewards, 0, rewards.length));
        for (int g = 0; g < rewards.length; g += groupSize) {
            double mu = mean(rewards, g, groupSize);
            double sigma = scaling == RewardScaling.BATCH ? batchSigma : std(rewards, g, groupSize, mu);
            for (int i = g; i < g + groupSize; i++) {
                double d = rewards[i] - mu;
                a[i] = scaling == RewardScaling.NONE ? d : d / (sigma + STD_EPS);
            }
        }
        return a;
    }

    /** r_i &gt; mu: positive, r_i &lt; mu: negative, otherwise neutral. */
    public static Sign[] split(double[] rewards, int groupSize) {
        checkGroups(rewards.length, groupSize);
        Sign[] s = new Sign[rewards.length];
        for (int g = 0; g < rewards.length; g += groupSize) {
            double mu = mean(rewards, g, groupSize);
            for (int i = g; i < g + groupSize; i++) {
                // equal rewards give exactly mu (up to rounding): compare against the rounding of the mean itself
                double d = rewards[i] - mu;
                boolean tied = Math.abs(d) <= 1e-12 * Math.max(1.0, Math.abs(mu));
                s[i] = tied ? Sign.NEUTRAL : d > 0 ? Sign.POSITIVE : Sign.NEGATIVE;
            }
        }
        return s;
    }

    /** w_i = lambdaPos for positive samples, lambdaNeg for negative ones, 0 for neutral ones (their A is 0). */
    public static double[] weights(Sign[] signs, double lambdaPos, double lambdaNeg) {
        double[] w = new double[signs.length];
        for (int i = 0; i < w.length; i++)
            w[i] = switch (signs[i]) {
                case POSITIVE -> lambdaPos;
                case NEGATIVE -> lambdaNeg;
                case NEUTRAL -> 0.0;
            };
        return w;
    }

    private static void checkGroups(int n, int groupSize) {
        if (groupSize < 1 || n % groupSize != 0)
            throw new IllegalArgumentException(n + " rewards do not split into groups of " + groupSize);
    }

    private static double mean(double[] r, int from, int n) {
        double s = 0;
        for (int i = from; i < from + n; i++) s += r[i];
        return s / n;
    }

    private static double std(double[] r, int from, int n, double mu) {
        double s = 0;
        for (int i = from; i < from + n; i++) s += (r[i] - mu) * (r[i] - mu);
        return Math.sqrt(s / n);
    }
}
