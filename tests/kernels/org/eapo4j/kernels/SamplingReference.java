package org.eapo4j.kernels;

import java.util.Arrays;

/**
 * The sampling distribution of native/include/eapo4j.h ("Sampling") written out plainly in float64 with an
 * exhaustive sort of the row, apart from the kernels: temperature, top-k (ties with the k-th value kept), softmax,
 * top-p (probability descending, equal probabilities by id ascending, shortest prefix reaching topP), min-p
 * (p >= minP * max p), renormalise, inverse CDF in id order. It also says when a pick sits so close to a boundary
 * (of the CDF, or of a top-p / min-p cut) that float32 rounding in a kernel may legitimately pick a neighbour.
 */
final class SamplingReference {
    private SamplingReference() {}

    /** Boundaries closer than this (in probability) are "ambiguous". */
    static final double EPS = 1e-5;

    record Pick(int id, double logProb, boolean ambiguous) {}

    /** The filtered, renormalised distribution of one row (0 outside [0, valid)); ambiguous[0] set near a cut. */
    static double[] distribution(float[] x, int off, int vocab, int valid, SamplingParams sp, boolean[] ambiguous) {
        double[] z = new double[vocab];
        Arrays.fill(z, Double.NEGATIVE_INFINITY);
        double zmax = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < valid; v++) {
            z[v] = x[off + v] / sp.temperature();
            zmax = Math.max(zmax, z[v]);
        }
        Integer[] order = new Integer[vocab];
        for (int v = 0; v < vocab; v++) order[v] = v;
        Arrays.sort(order, (a, b) -> Double.compare(z[b], z[a]));   // stable: equal z by id ascending
        boolean[] keep = new boolean[vocab];
        for (int v = 0; v < valid; v++) keep[v] = z[v] > Double.NEGATIVE_INFINITY;
        if (sp.topK() > 0 && sp.topK() < valid) {
            double kth = z[order[sp.topK() - 1]];
            for (int v = 0; v < vocab; v++) keep[v] &= z[v] >= kth;
        }
        double[] p = new double[vocab];
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            p[v] = keep[v] ? Math.exp(z[v] - zmax) : 0;
            sum += p[v];
        }
        for (int v = 0; v < vocab; v++) p[v] /= sum;
        if (sp.topP() < 1) {
            double cum = 0;
            boolean reached = false;
            for (int i = 0; i < vocab; i++) {
                int v = order[i];
                if (reached) keep[v] = false;
                if (!keep[v]) continue;
                double before = cum;
                cum += p[v];
                if (Math.abs(cum - sp.topP()) < EPS || Math.abs(before - sp.topP()) < EPS) ambiguous[0] = true;
                if (cum >= sp.topP()) reached = true;
            }
        }
        if (sp.minP() > 0) {
            double pmax = 0;
            for (int v = 0; v < vocab; v++) if (keep[v]) pmax = Math.max(pmax, p[v]);
            for (int v = 0; v < vocab; v++) {
                if (!keep[v]) continue;
                if (Math.abs(p[v] - sp.minP() * pmax) < EPS * pmax) ambiguous[0] = true;
                keep[v] = p[v] >= sp.minP() * pmax;
            }
        }
        double s2 = 0;
        for (int v = 0; v < vocab; v++) {
            if (!keep[v]) p[v] = 0;
            s2 += p[v];
        }
        for (int v = 0; v < vocab; v++) p[v] /= s2;
        return p;
    }

    static Pick pick(float[] x, int off, int vocab, int valid, SamplingParams sp, double u) {
        if (sp.isGreedy()) {
            int best = 0;
            for (int v = 1; v < valid; v++) if (x[off + v] > x[off + best]) best = v;
            return new Pick(best, 0, false);
        }
        boolean[] amb = new boolean[1];
        double[] p = distribution(x, off, vocab, valid, sp, amb);
        double cum = 0;
        int last = -1;
        for (int v = 0; v < vocab; v++) {
            if (p[v] <= 0) continue;
            double before = cum;
            cum += p[v];
            last = v;
            if (u < cum) {
                boolean near = Math.abs(u - cum) < EPS || Math.abs(u - before) < EPS;
                return new Pick(v, Math.log(p[v]), amb[0] || near);
            }
        }
        return new Pick(last, Math.log(p[last]), true);
    }
}
