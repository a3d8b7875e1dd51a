package org.eapo4j.parallel;

import java.util.SplittableRandom;

/**
 * The data of the "N ranks equal one process" check: a linear model y = W x + b (W 2x3, b 2) fitted by SGD to
 * GROUPS prompt groups of 2 samples each, sample i holding 1 + i % 3 "tokens" (rows). The loss is the token-mean
 * of the squared error over the global batch. Inputs only: each side computes its own gradients.
 */
final class ToyProblem {
    static final int GROUPS = 5, PER_GROUP = 2, IN = 3, OUT = 2, STEPS = 6;
    static final double LR = 0.1;

    private ToyProblem() {}

    static int tokens(int sample) {
        return 1 + sample % 3;
    }

    /** x rows of one sample, [tokens][IN]. */
    static double[][] x(int sample) {
        SplittableRandom r = new SplittableRandom(1000 + sample);
        double[][] out = new double[tokens(sample)][IN];
        for (double[] row : out) for (int j = 0; j < IN; j++) row[j] = r.nextDouble(-1, 1);
        return out;
    }

    /** target rows of one sample, [tokens][OUT]. */
    static double[][] y(int sample) {
        SplittableRandom r = new SplittableRandom(2000 + sample);
        double[][] out = new double[tokens(sample)][OUT];
        for (double[] row : out) for (int j = 0; j < OUT; j++) row[j] = r.nextDouble(-1, 1);
        return out;
    }

    /** Initial W (row-major OUT x IN) from a seed; b starts at zero. */
    static float[] initialW(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] w = new float[OUT * IN];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextDouble(-0.5, 0.5);
        return w;
    }
}
