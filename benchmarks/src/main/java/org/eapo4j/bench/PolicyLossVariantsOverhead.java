package org.eapo4j.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.kernels.PolicyLossResult;

/**
 * The overhead of each loss variant over the plain clipped surrogate, measured so that a shared, loaded machine
 * cannot fake it: per round, one call of every variant in a shuffled order on the same inputs and gradient buffer,
 * then the median over rounds of each variant's time divided by that round's plain time (paired ratios cancel the
 * load that drifts between JMH trials). Complements {@link PolicyLossVariantsBenchmark}. Usage (class path as
 * benchmarks/jmh.sh builds it): {@code java ... org.eapo4j.bench.PolicyLossVariantsOverhead N V dtype threads rounds}.
 */
public final class PolicyLossVariantsOverhead {
    private PolicyLossVariantsOverhead() {}

    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]), v = Integer.parseInt(args[1]), threads = Integer.parseInt(args[3]);
        String dtype = args[2];
        int rounds = Integer.parseInt(args[4]);
        BenchThreads.set(threads);
        BenchInputs in = BenchInputs.shared(n, v, dtype);
        Tensor grad = in.newLogitsLike();
        List<VariantCall> calls = new ArrayList<>();
        for (String name : VariantCall.VARIANTS) calls.add(VariantCall.prepare(in, name));
        for (int w = 0; w < 2; w++) for (VariantCall c : calls) time(in, c, grad);  // warm-up
        double[][] ms = new double[calls.size()][rounds];
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) order.add(i);
        Random rng = new Random(1);
        for (int r = 0; r < rounds; r++) {
            Collections.shuffle(order, rng);
            for (int i : order) ms[i][r] = time(in, calls.get(i), grad);
        }
        System.out.printf(Locale.ROOT, "N=%d V=%d %s threads=%d rounds=%d%n", n, v, dtype, threads, rounds);
        System.out.println("| variant | median ms | median ratio to plain (paired) | ratio p25-p75 |");
        System.out.println("|---|---|---|---|");
        for (int i = 0; i < calls.size(); i++) {
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) ratio[r] = ms[i][r] / ms[0][r];
            System.out.printf(Locale.ROOT, "| %s | %.1f | %.3f | %.3f-%.3f |%n", calls.get(i).variant(),
                    pct(ms[i], 50), pct(ratio, 50), pct(ratio, 25), pct(ratio, 75));
        }
        for (VariantCall c : calls) c.close();
        grad.close();
    }

    private static double time(BenchInputs in, VariantCall c, Tensor grad) {
        long t0 = System.nanoTime();
        try (PolicyLossResult r = FusedKernels.policyLoss(in.logits, in.targets, c.inputs(), c.cfg(), grad)) {
            if (!Double.isFinite(r.loss())) throw new IllegalStateException(c.variant() + ": loss " + r.loss());
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private static double pct(double[] a, int p) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.round(p / 100.0 * (s.length - 1)))];
    }
}
