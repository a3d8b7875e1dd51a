package org.eapo4j.parallel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.eapo4j.tensors.HostTensors;

/**
 * One rank of the two-JVM tests (started by {@link DistributedTest} with the torchrun variables set). Each scenario
 * checks its results against values computed here in float64 from the rank-indexed inputs of every rank, prints
 * one {@code <SCENARIO>-OK} line, and exits non-zero (an uncaught exception) on any mismatch.
 */
public final class DistWorker {
    /** Multiplier of the gradient check. */
    static final double MULT = 0.25;
    /** Shapes of the gradient check with 64 KiB buckets (16384 floats): 12 | 70000 alone | 5+1000+7+6. */
    static final long[][] SHAPES = {{3, 4}, {70000}, {5}, {1000}, {7}, {2, 3}};
    static final int NO_GRAD_ON_RANK_1 = 4, NO_GRAD_ANYWHERE = 5;

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "collectives" -> collectives(Path.of(args[1]));
            case "config-mismatch" -> configMismatch();
            case "early-exit" -> earlyExit(false);
            case "hang" -> earlyExit(true);
            case "sleep" -> {
                System.out.println("READY");
                Thread.sleep(120_000);
            }
            case "fail-or-sleep" -> {
                System.out.println("READY");
                if ("1".equals(System.getenv("RANK"))) {
                    Thread.sleep(300);
                    System.exit(3);
                }
                Thread.sleep(120_000);
            }
            default -> throw new IllegalArgumentException("unknown scenario " + args[0]);
        }
    }

    static float grad(int rank, int param, int k, int round) {
        return (float) Math.sin(1 + 0.37 * rank + 1.3 * param + 0.001 * k + 0.5 * round);
    }

    private static void collectives(Path outDir) throws Exception {
        try (DistContext ctx = DistContext.fromEnvironment()) {
            int w = ctx.worldSize(), r = ctx.rank();
            ctx.checkSameConfig("{\"lr\":0.001,\"nested\":{\"a\":[1,2]}}");
            gradients(ctx, w, r);
            broadcast(ctx, r);
            metrics(ctx, w, r);
            sgd(ctx, outDir);
            System.out.println("COLLECTIVES-OK world=" + w);
        }
    }

    private static void gradients(DistContext ctx, int w, int r) {
        List<Tensor> params = new ArrayList<>();
        for (long[] s : SHAPES) params.add(HostTensors.full(0f, s).set_requires_grad(true));
        try (GradientSync sync = new GradientSync(ctx, params, 64 << 10)) {
            if (w > 1) {
                check(sync.bucketCount() == 3, "bucket count " + sync.bucketCount());
                int[] expected = {0, 1, 2, 2, 2, 2};
                for (int i = 0; i < expected.length; i++)
                    check(sync.bucketOf(i) == expected[i], "param " + i + " in bucket " + sync.bucketOf(i));
            }
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < params.size(); i++) {
                    Tensor g = params.get(i).grad();
                    boolean skip = i == NO_GRAD_ANYWHERE || (i == NO_GRAD_ON_RANK_1 && r == 1);
                    if (skip) {
                        check(!g.defined() || round > 0, "param " + i + " already has a gradient");
                        if (g.defined()) params.get(i).mutable_grad().put(new Tensor());   // drop it again
                        continue;
                    }
                    int n = (int) params.get(i).numel();
                    float[] v = new float[n];
                    for (int k = 0; k < n; k++) v[k] = grad(r, i, k, round);
                    params.get(i).mutable_grad().put(HostTensors.fromFloats(v, SHAPES[i]));
                }
                double mult = round == 0 ? MULT : 1.0;
                if (round == 0) sync.sumAndScale(MULT);
                else sync.sum();
                for (int i = 0; i < params.size(); i++) {
                    Tensor g = params.get(i).grad();
                    if (i == NO_GRAD_ANYWHERE) {
                        check(!g.defined(), "param " + i + " got a gradient though no rank had one");
                        continue;
                    }
                    float[] got = HostTensors.toFloats(g);
                    for (int k = 0; k < got.length; k++) {
                        double exp = 0;
                        for (int q = 0; q < w; q++) if (!(i == NO_GRAD_ON_RANK_1 && q == 1)) exp += grad(q, i, k, round);
                        exp *= mult;
                        if (Math.abs(got[k] - exp) > 1e-6 * Math.max(1, Math.abs(exp)))
                            throw new AssertionError("grad of param " + i + "[" + k + "] round " + round + ": " + got[k]
                                    + " != " + exp);
                    }
                }
            }
        }
        System.out.println("GRADIENTS-OK");
    }

    private static void broadcast(DistContext ctx, int r) {
        List<Tensor> params = new ArrayList<>();
        params.add(HostTensors.full(10f + r, 4, 6).set_requires_grad(true));
        params.add(HostTensors.fromFloats(new float[] {r, 2 * r + 1, 3 * r + 2, 4, 5, 6}, 2, 3).t());  // strided
        ctx.broadcastParameters(params);
        check(Arrays.equals(HostTensors.toFloats(params.get(0)), HostTensors.toFloats(HostTensors.full(10f, 4, 6))),
                "parameter 0 after broadcast");
        check(Arrays.equals(HostTensors.toFloats(params.get(1)), new float[] {0, 4, 1, 5, 2, 6}),
                "parameter 1 after broadcast: " + Arrays.toString(HostTensors.toFloats(params.get(1))));
        System.out.println("BROADCAST-OK");
    }

    private static void metrics(DistContext ctx, int w, int r) {
        double tri = w * (w + 1) / 2.0;
        check(Arrays.equals(ctx.allReduce(new double[] {r + 1, 10.0 * (r + 1)}, Reduction.SUM),
                new double[] {tri, 10 * tri}), "double sum");
        check(Arrays.equals(ctx.allReduce(new double[] {r + 1, -r}, Reduction.MAX), new double[] {w, 0}), "max");
        check(Arrays.equals(ctx.allReduce(new double[] {r + 1, -r}, Reduction.MIN), new double[] {1, 1 - w}), "min");
        check(Arrays.equals(ctx.allReduce(new long[] {1L << 40, r}, Reduction.SUM),
                new long[] {w * (1L << 40), (long) (tri - w)}), "long sum");
        double num = 0, den = 0;
        for (int q = 0; q < w; q++) {
            num += (q + 1.0) * (q + 2);
            den += q + 2;
        }
        check(ctx.globalMean((r + 1.0) * (r + 2), r + 2) == num / den, "global mean");
        long[] mine = new long[r + 1];
        Arrays.fill(mine, 100 + r);
        long[][] all = ctx.allGather(mine);
        double[][] allD = ctx.allGather(new double[] {r * 0.5, -r});
        check(all.length == w && allD.length == w, "allGather length");
        for (int q = 0; q < w; q++) {
            long[] exp = new long[q + 1];
            Arrays.fill(exp, 100 + q);
            check(Arrays.equals(all[q], exp), "allGather longs of rank " + q + ": " + Arrays.toString(all[q]));
            check(Arrays.equals(allD[q], new double[] {q * 0.5, -q}), "allGather doubles of rank " + q);
        }
        ctx.barrier();
        System.out.println("METRICS-OK");
    }

    /** SGD on the toy problem over this rank's groups; rank 0 writes W and b to sgd-w{world}.txt. */
    private static void sgd(DistContext ctx, Path outDir) throws Exception {
        int out = ToyProblem.OUT, in = ToyProblem.IN;
        Tensor wt = HostTensors.fromFloats(ToyProblem.initialW(7 + ctx.rank()), out, in).set_requires_grad(true);
        Tensor b = HostTensors.full(0f, out).set_requires_grad(true);
        List<Tensor> params = List.of(wt, b);
        ctx.broadcastParameters(params);                       // every rank continues from rank 0's seed 7
        GroupShard shard = GroupShard.contiguous(ToyProblem.GROUPS, ctx.worldSize(), ctx.rank());
        List<float[]> xs = new ArrayList<>(), ys = new ArrayList<>();
        for (int g : shard.groups())
            for (int s = g * ToyProblem.PER_GROUP; s < (g + 1) * ToyProblem.PER_GROUP; s++) {
                for (double[] row : ToyProblem.x(s)) xs.add(toFloat(row));
                for (double[] row : ToyProblem.y(s)) ys.add(toFloat(row));
            }
        long globalTokens = ctx.allReduce(new long[] {xs.size()}, Reduction.SUM)[0];
        try (GradientSync sync = new GradientSync(ctx, params)) {
            for (int step = 0; step < ToyProblem.STEPS; step++) {
                if (!xs.isEmpty()) {
                    Tensor x = HostTensors.fromFloats(flatten(xs), xs.size(), in);
                    Tensor y = HostTensors.fromFloats(flatten(ys), ys.size(), out);
                    Tensor d = x.matmul(wt.t()).add(b).sub(y);
                    d.mul(d).sum().div(new Scalar((double) globalTokens)).backward();
                }
                sync.sum();
                try (NoGradGuard ng = new NoGradGuard()) {
                    for (Tensor p : params) {
                        p.add_(p.grad(), new Scalar(-ToyProblem.LR));
                        p.grad().zero_();
                    }
                }
            }
        }
        if (ctx.isMaster()) {
            float[] wv = HostTensors.toFloats(wt), bv = HostTensors.toFloats(b);
            StringBuilder s = new StringBuilder();
            for (float v : wv) s.append(v).append('\n');
            for (float v : bv) s.append(v).append('\n');
            Files.writeString(outDir.resolve("sgd-w" + ctx.worldSize() + ".txt"), s.toString());
        }
        System.out.println("SGD-OK");
    }

    private static void configMismatch() {
        try (DistContext ctx = DistContext.fromEnvironment()) {
            String lr = ctx.rank() == 1 ? "0.002" : "0.001";
            try {
                ctx.checkSameConfig("{\"seed\":1,\"update\":{\"lr\":" + lr + ",\"clip\":1.0}}");
                System.out.println("NO-MISMATCH-DETECTED");
                System.exit(2);
            } catch (DistException e) {
                System.out.println("MISMATCH " + e.getMessage());
            }
        }
    }

    /**
     * Rank 1 leaves (or hangs, never calling the next collective) after one collective; rank 0's next collective
     * must fail with a message naming rank 1.
     */
    private static void earlyExit(boolean hang) throws InterruptedException {
        DistContext ctx = DistContext.fromEnvironment();
        ctx.barrier();
        if (ctx.rank() == 1) {
            if (hang) Thread.sleep(60_000);
            System.out.println("EXITING");
            System.exit(3);
        }
        long t0 = System.nanoTime();
        try {
            ctx.allReduce(new double[] {1}, Reduction.SUM);
            System.out.println("NO-FAILURE");
            System.exit(2);
        } catch (DistException e) {
            System.out.println("FAILED-AFTER-MS " + (System.nanoTime() - t0) / 1_000_000 + " " + e.getMessage());
        }
        try {
            ctx.allReduce(new double[] {1}, Reduction.SUM);
            System.exit(2);
        } catch (DistException e) {
            System.out.println("BROKEN " + e.getMessage());
        }
        ctx.close();
        System.out.println("CLOSED");
    }

    private static float[] toFloat(double[] row) {
        float[] f = new float[row.length];
        for (int i = 0; i < row.length; i++) f[i] = (float) row[i];
        return f;
    }

    private static float[] flatten(List<float[]> rows) {
        int n = rows.get(0).length;
        float[] out = new float[rows.size() * n];
        for (int i = 0; i < rows.size(); i++) System.arraycopy(rows.get(i), 0, out, i * n, n);
        return out;
    }

    private static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }
}
