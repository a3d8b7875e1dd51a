package org.eapo4j.report;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The statistics of the grid report: means with 95% Student-t intervals over seeds, the paired t-test and the exact
 * sign-flip permutation test of paired differences, and the worst drop of a smoothed curve. Small samples (3 to 5
 * seeds) are the normal case, so nothing here relies on a normal approximation.
 */
final class GridStats {
    /** Window of the trailing moving average of the rollout reward. */
    static final int SMOOTH = 10;

    private GridStats() {}

    /** A paired comparison: n pairs, the mean difference and its 95% interval, t, and the two two-sided p-values. */
    record Paired(int n, double mean, double lo, double hi, double t, double pT, double pSignFlip) {}

    static Paired paired(double[] d) {
        double m = mean(d), h = half(d), sd = std(d);
        double t = sd > 0 ? m / (sd / Math.sqrt(d.length)) : Double.NaN;
        return new Paired(d.length, m, m - h, m + h, t, Double.isNaN(t) ? Double.NaN : twoSidedP(t, d.length - 1),
                signFlipP(d));
    }

    /**
     * Exact two-sided sign-flip test: the share of the 2^n sign patterns of the differences whose |sum| is at least the
     * observed |sum| (the identity pattern included, so the smallest possible p is 2 / 2^n).
     */
    static double signFlipP(double[] d) {
        int n = d.length;
        if (n == 0 || n > 24) return Double.NaN;   // 2^24 patterns is plenty for a grid of seeds
        double observed = Math.abs(Arrays.stream(d).sum()), tol = 1e-12 * (1 + Arrays.stream(d).map(Math::abs).sum());
        long atLeast = 0;
        for (long mask = 0; mask < 1L << n; mask++) {
            double s = 0;
            for (int i = 0; i < n; i++) s += (mask >> i & 1) == 1 ? -d[i] : d[i];
            if (Math.abs(s) >= observed - tol) atLeast++;
        }
        return atLeast / (double) (1L << n);
    }

    static double mean(double[] x) {
        if (x.length == 0) return Double.NaN;
        double s = 0;
        for (double v : x) s += v;
        return s / x.length;
    }

    /** Sample standard deviation (n - 1); NaN below two values. */
    static double std(double[] x) {
        if (x.length < 2) return Double.NaN;
        double m = mean(x), s = 0;
        for (double v : x) s += (v - m) * (v - m);
        return Math.sqrt(s / (x.length - 1));
    }

    /** Half-width of the 95% t-interval of the mean. */
    static double half(double[] x) {
        return x.length < 2 ? Double.NaN : tQuantile975(x.length - 1) * std(x) / Math.sqrt(x.length);
    }

    static double min(double[] x) {
        return Arrays.stream(x).min().orElse(Double.NaN);
    }

    static double max(double[] x) {
        return Arrays.stream(x).max().orElse(Double.NaN);
    }

    /** "mean ± half-width" of the finite values, the mean alone for one value, "n/a" for none. */
    static String ci(double[] x) {
        double[] f = Arrays.stream(x).filter(Double::isFinite).toArray();
        if (f.length == 0) return "n/a";
        return f.length < 2 ? fmt(mean(f)) : fmt(mean(f)) + " ± " + fmt(half(f));
    }

    static String fmt(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "n/a";
    }

    static double tQuantile975(int df) {
        double lo = 0, hi = 1000;
        for (int i = 0; i < 200; i++) {
            double mid = (lo + hi) / 2;
            if (tCdf(mid, df) < 0.975) lo = mid;
            else hi = mid;
        }
        return (lo + hi) / 2;
    }

    /** Student's t CDF for t >= 0. */
    static double tCdf(double t, int df) {
        return 0.5 + centralMass(t, df) / 2;
    }

    /** Two-sided p-value of a t statistic: P(|T| >= |t|). */
    static double twoSidedP(double t, int df) {
        return Math.max(0, 1 - centralMass(Math.abs(t), df));
    }

    /**
     * P(|T| < t) for Student's t with integer df, by the finite series in theta = atan(t / sqrt(df)) (Abramowitz and
     * Stegun 26.7.3-4): exact for any t, unlike a numerical integral of the density.
     */
    static double centralMass(double t, int df) {
        if (df < 1) throw new IllegalArgumentException("df must be >= 1, got " + df);
        if (Double.isInfinite(t)) return 1;
        double theta = Math.atan(t / Math.sqrt(df)), c2 = Math.cos(theta) * Math.cos(theta), s = Math.sin(theta);
        if (df % 2 == 0) {   // sin(theta) (1 + 1/2 c^2 + 1.3/(2.4) c^4 + ... + c^(df-2) term)
            double term = 1, sum = 1;
            for (int k = 2; k <= df - 2; k += 2) {
                term *= c2 * (k - 1) / k;
                sum += term;
            }
            return s * sum;
        }
        if (df == 1) return 2 * theta / Math.PI;
        double term = 1, sum = 1;   // (2/pi) (theta + sin cos (1 + 2/3 c^2 + 2.4/(3.5) c^4 + ... + c^(df-3) term))
        for (int k = 3; k <= df - 2; k += 2) {
            term *= c2 * (k - 1) / k;
            sum += term;
        }
        return 2 / Math.PI * (theta + s * Math.cos(theta) * sum);
    }

    /** The trailing moving average (window {@value #SMOOTH}) at each index from SMOOTH - 1 on. */
    static double[] smoothed(List<Double> r) {
        if (r.size() < SMOOTH) return new double[0];
        double[] out = new double[r.size() - SMOOTH + 1];
        double sum = 0;
        for (int i = 0; i < r.size(); i++) {
            sum += r.get(i);
            if (i >= SMOOTH) sum -= r.get(i - SMOOTH);
            if (i >= SMOOTH - 1) out[i - SMOOTH + 1] = sum / SMOOTH;
        }
        return out;
    }

    /** The largest fall of the moving average (window {@value #SMOOTH}) of the rollout reward below its running peak. */
    static double worstDrop(List<Double> r) {
        double peak = Double.NEGATIVE_INFINITY, worst = 0;
        for (double s : smoothed(r)) {
            peak = Math.max(peak, s);
            worst = Math.max(worst, peak - s);
        }
        return worst;
    }
}
