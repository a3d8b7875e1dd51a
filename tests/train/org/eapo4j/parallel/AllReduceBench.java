package org.eapo4j.parallel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.eapo4j.tensors.HostTensors;

/**
 * Gloo all-reduce time on this machine (not a unit test; no JMH: the ranks are separate JVMs). Run from the
 * repository root:
 * <pre>
 * mvn -o -q -B -pl java/train test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -cp java/train/target/test-classes:java/train/target/classes:$(cat /tmp/cp.txt) \
 *      org.eapo4j.parallel.AllReduceBench [nproc=2] [iterations=10]
 * </pre>
 * Without {@code RANK} it launches nproc copies of itself through {@link LocalLauncher}. For 1M and 10M floats
 * rank 0 reports the median of: one all-reduce of a flat tensor, {@link GradientSync#sum()} over the same
 * elements split into 16 parameters (copy in, 25 MB buckets, copy back), and, as the baseline measured in the same
 * run, a local copy of the same bytes.
 */
public final class AllReduceBench {
    public static void main(String[] args) throws Exception {
        int nproc = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int iters = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        if (System.getenv("RANK") == null) {
            List<String> cmd = new ArrayList<>(List.of("-Xmx2g", AllReduceBench.class.getName()));
            cmd.addAll(Arrays.asList(args));
            System.exit(LocalLauncher.launch(nproc, cmd, new LocalLauncher.Options().env("OMP_NUM_THREADS", "1")));
        }
        try (DistContext ctx = DistContext.fromEnvironment()) {
            if (ctx.isMaster())
                System.out.printf("world=%d iterations=%d (median ms)%n%10s %12s %10s %12s %12s %10s %14s%n",
                        ctx.worldSize(), iters, "floats", "allreduce", "GB/s alg", "GradSync", "local copy",
                        "AR/copy", "GradSync/AR");
            for (int n : new int[] {1 << 20, 10_000_000}) {
                Tensor flat = torch.ones(n);
                double ar = median(iters, () -> ctx.group().allReduce(flat, Reduction.SUM, "bench"), ctx);
                List<Tensor> params = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    Tensor p = HostTensors.full(0f, n / 16).set_requires_grad(true);
                    p.mutable_grad().put(torch.ones(n / 16));
                    params.add(p);
                }
                double gs;
                try (GradientSync sync = new GradientSync(ctx, params)) {
                    gs = median(iters, sync::sum, ctx);
                }
                Tensor dst = torch.empty(n);
                double copy = median(iters, () -> dst.copy_(flat), ctx);
                if (ctx.isMaster())
                    System.out.printf("%10d %12.2f %10.2f %12.2f %12.3f %10.1f %14.2f%n", n, ar,
                            4.0 * n / (ar * 1e6), gs, copy, ar / copy, gs / ar);
            }
        }
    }

    private static double median(int iters, Runnable op, DistContext ctx) {
        for (int i = 0; i < 3; i++) op.run();
        double[] t = new double[iters];
        for (int i = 0; i < iters; i++) {
            ctx.barrier();
            long t0 = System.nanoTime();
            op.run();
            t[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(t);
        return t[iters / 2];
    }
}
