package org.eapo4j.bench;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.kernels.PolicyLossResult;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The policy loss forward + backward (clipped surrogate + entropy bonus, gradient w.r.t. the logits): our fused
 * kernel in its three gradient modes against LibTorch autograd of the same composite loss
 * ({@link TorchComposite#policyLoss}), on identical inputs and the same thread count.
 * <ul>
 *   <li>{@code oursFreshGrad}: a new [N, V] gradient tensor per call (allocated and page-faulted each time);</li>
 *   <li>{@code oursReusedBuffer}: the gradient written into a preallocated buffer (the gradBuffer overload);</li>
 *   <li>{@code oursInPlace}: the gradient written over the logits. The logits are restored from a pristine copy
 *       before every call, outside the timed region (JMH Level.Invocation set-up);</li>
 *   <li>{@code libtorchAutograd}: the composite with autograd; autograd allocates its gradient.</li>
 * </ul>
 */
public class PolicyLossBenchmark extends ShapeState {
    private Tensor gradBuffer;  // oursReusedBuffer only
    private Tensor work;        // oursInPlace only: the logits the in-place call overwrites

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        loadInputs();
        String method = params.getBenchmark();
        if (method.endsWith(".oursReusedBuffer")) {
            gradBuffer = in.newLogitsLike();
            try (PolicyLossResult r = FusedKernels.policyLoss(in.logits, in.targets, in.loss, BenchInputs.LOSS,
                    gradBuffer)) {
                Agreement.checkPolicyLoss(in, in.logits, r.tokenLoss(), gradBuffer);
            }
        } else if (method.endsWith(".oursInPlace")) {
            work = in.newLogitsLike();
            work.copy_(in.logits);
            try (PolicyLossResult r = FusedKernels.policyLoss(work, in.targets, in.loss, BenchInputs.LOSS_IN_PLACE)) {
                Agreement.checkPolicyLoss(in, in.logits, r.tokenLoss(), work);
            }
        } else {  // oursFreshGrad and libtorchAutograd: the fresh-gradient call against LibTorch
            if (method.endsWith(".libtorchAutograd")) requireMemoryForAutograd(params);
            try (PolicyLossResult r = FusedKernels.policyLoss(in.logits, in.targets, in.loss, BenchInputs.LOSS)) {
                Agreement.checkPolicyLoss(in, in.logits, r.tokenLoss(), r.gradLogits());
            }
        }
    }

    /**
     * LibTorch autograd adds 7 [N, V] tensors at its peak (its gradient included; measured by {@link MemoryProbe});
     * at N = 4096, V = 151936, fp32 that is 17.4 GB. Where the machine lacks it, the trial is skipped with a BENCHSKIP line (read by
     * {@link BenchmarkReport}) instead of pushing the shared machine into the OOM killer.
     */
    private void requireMemoryForAutograd(BenchmarkParams params) {
        long need = (long) (7.0 * in.logitsBytes()) + 500_000_000L;
        long avail;
        try {
            avail = MemoryProbe.memAvailable();
        } catch (java.io.IOException e) {
            return;
        }
        if (avail >= need) return;
        String reason = String.format(java.util.Locale.ROOT, "needs ~%.1f GB free for its temporaries, MemAvailable "
                + "was %.1f GB", need / 1e9, avail / 1e9);
        System.out.println("BENCHSKIP PolicyLossBenchmark.libtorchAutograd " + n + " " + v + " " + dtype + " "
                + threads + " " + reason);
        throw new IllegalStateException("skipped: " + reason);
    }

    /** Restores the logits that the previous in-place call overwrote; not timed. */
    @Setup(Level.Invocation)
    public void restoreLogits() {
        if (work != null) work.copy_(in.logits);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (gradBuffer != null) gradBuffer.close();
        if (work != null) work.close();
    }

    @Benchmark
    public double oursFreshGrad() {
        try (PolicyLossResult r = FusedKernels.policyLoss(in.logits, in.targets, in.loss, BenchInputs.LOSS)) {
            return r.loss();
        }
    }

    @Benchmark
    public double oursReusedBuffer() {
        try (PolicyLossResult r = FusedKernels.policyLoss(in.logits, in.targets, in.loss, BenchInputs.LOSS,
                gradBuffer)) {
            return r.loss();
        }
    }

    @Benchmark
    public double oursInPlace() {
        try (PolicyLossResult r = FusedKernels.policyLoss(work, in.targets, in.loss, BenchInputs.LOSS_IN_PLACE)) {
            return r.loss();
        }
    }

    @Benchmark
    public double libtorchAutograd() {
        try (TorchComposite.LossAndGrad r = TorchComposite.policyLoss(in.logits, in.targets, in.loss,
                BenchInputs.LOSS)) {
            return r.loss();
        }
    }
}
