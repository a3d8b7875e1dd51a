package org.eapo4j.demo;

import java.util.Random;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.kernels.KernelScope;
import org.eapo4j.kernels.LibTorchComposite;
import org.eapo4j.kernels.LossAggregation;
import org.eapo4j.kernels.PolicyLossConfig;
import org.eapo4j.kernels.PolicyLossInputs;
import org.eapo4j.kernels.PolicyLossResult;
import org.eapo4j.kernels.TokenStats;
import org.eapo4j.tensors.HostTensors;

/**
 * A short demonstration of the fused kernels on random logits: token statistics and the policy loss with its
 * gradient, checked against and timed beside the same math in LibTorch. Arguments: [N] [V] (default 1024 32000).
 */
public final class KernelDemo {
    private KernelDemo() {}

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        int v = args.length > 1 ? Integer.parseInt(args[1]) : 32000;
        int threads = Runtime.getRuntime().availableProcessors();
        torch.set_num_threads(threads);
        System.out.printf("eapo4j kernel demo: N=%d tokens, V=%d, fp32, %d threads, CPU SIMD %s, CUDA %s%n", n, v,
                threads, FusedKernels.cpuSimdLevel(), FusedKernels.cudaAvailable() ? "available" : "not available");
        // The PointerScope frees the demo's own tensors; the KernelScope every result the kernels return (st, res and
        // those of the timing loops), whether or not the code below closes them.
        try (PointerScope scope = new PointerScope(); KernelScope kernelResults = new KernelScope()) {
            Random rng = new Random(42);
            float[] z = new float[n * v];
            for (int i = 0; i < z.length; i++) z[i] = (float) (rng.nextGaussian() * 2.0);
            long[] y = new long[n];
            float[] old = new float[n], adv = new float[n], mask = new float[n];
            for (int i = 0; i < n; i++) {
                y[i] = rng.nextInt(v);
                adv[i] = (float) rng.nextGaussian();
                mask[i] = i % 8 == 7 ? 0f : 1f;  // some padding
            }
            Tensor logits = HostTensors.fromFloats(z, n, v);
            Tensor targets = HostTensors.fromLongs(y, n);

            TokenStats st = FusedKernels.tokenStats(logits, targets, 1.0);
            float[] lp = HostTensors.toFloats(st.logProbs());
            for (int i = 0; i < n; i++) old[i] = lp[i] + (float) (rng.nextGaussian() * 0.2);
            Tensor c = LossAggregation.TOKEN_MEAN.coefficients(HostTensors.fromFloats(mask, 1, n)).reshape(n);
            PolicyLossInputs in = new PolicyLossInputs(HostTensors.fromFloats(old, n), null,
                    HostTensors.fromFloats(adv, n), HostTensors.full(1f, n), c);
            PolicyLossConfig cfg = PolicyLossConfig.builder().clipHigh(0.28).entropyCoef(0.001).build();

            double oursStats = time(() -> FusedKernels.tokenStats(logits, targets, 1.0).close());
            double torchStats = time(() -> LibTorchComposite.tokenStats(logits, targets, 1.0).close());
            Tensor gradBuffer = logits.clone();
            PolicyLossResult res = FusedKernels.policyLoss(logits, targets, in, cfg, gradBuffer);
            double oursLoss = time(() -> FusedKernels.policyLoss(logits, targets, in, cfg, gradBuffer).close());
            double oursLossFresh = time(() -> FusedKernels.policyLoss(logits, targets, in, cfg).close());
            Tensor[] ref = LibTorchComposite.policyLossWithGrad(logits, targets, in, cfg);
            double torchLoss = time(() -> {
                for (Tensor t : LibTorchComposite.policyLossWithGrad(logits, targets, in, cfg)) t.close();
            });

            TokenStats refStats = LibTorchComposite.tokenStats(logits, targets, 1.0);
            System.out.printf("token stats : mean log-prob %.4f, mean entropy %.4f (max |diff| vs LibTorch: %.2e, %.2e)%n",
                    mean(HostTensors.toFloats(st.logProbs())), mean(HostTensors.toFloats(st.entropy())),
                    maxDiff(st.logProbs(), refStats.logProbs()), maxDiff(st.entropy(), refStats.entropy()));
            System.out.printf("policy loss : L = %.6f (LibTorch %.6f), clip fraction %.3f, max |dL/dz diff| %.2e%n",
                    res.loss(), ref[0].item_double(), res.clipFraction(), maxDiff(res.gradLogits(), ref[1]));
            System.out.printf("%-34s %10s %10s %8s%n", "time (best of 5)", "eapo4j", "LibTorch", "speedup");
            row("token stats", oursStats, torchStats);
            row("policy loss fwd+bwd (reused grad)", oursLoss, torchLoss);
            row("policy loss fwd+bwd (fresh grad)", oursLossFresh, torchLoss);
        }
    }

    private static void row(String what, double ours, double theirs) {
        System.out.printf("%-34s %8.1fms %8.1fms %7.1fx%n", what, ours * 1e3, theirs * 1e3, theirs / ours);
    }

    /** Best of 5 wall-clock runs after one warm-up (a demo figure; the JMH suite gives the real numbers). */
    private static double time(Runnable r) {
        r.run();
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return best;
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) s += x;
        return s / v.length;
    }

    private static double maxDiff(Tensor a, Tensor b) {
        float[] x = HostTensors.toFloats(a), y = HostTensors.toFloats(b);
        double m = 0;
        for (int i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
        return m;
    }
}
