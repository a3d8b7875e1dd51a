package org.eapo4j.bench;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.kernels.PolicyLossConfig;
import org.eapo4j.kernels.PolicyLossInputs;
import org.eapo4j.kernels.PolicyLossResult;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The fused policy loss with each loss variant of docs/LOSS_VARIANTS.md against the plain clipped surrogate
 * ({@code variant=plain}, the {@link PolicyLossBenchmark} call) on the same inputs, gradient into a reused buffer
 * (the mode where a per-token overhead shows most). Only the kernel call is timed: the variant inputs (sequence
 * log-ratio, entropy threshold, Clip-Cov / KL-Cov selections) are built once in the set-up, as a trainer builds them
 * once per step from [N] arrays. Sequences of 256 tokens. Run: {@code benchmarks/jmh.sh PolicyLossVariantsBenchmark
 * -p v=32000,151936 ...} (the command and figures are in docs/BENCHMARKS.md).
 */
public class PolicyLossVariantsBenchmark extends ShapeState {

    @Param({"plain", "gspo", "cispo", "topEntropy", "clipCov", "klCov", "all"})
    public String variant;

    private Tensor gradBuffer;
    private PolicyLossInputs inputs;
    private PolicyLossConfig cfg;
    private Tensor[] owned = new Tensor[0];

    @Setup(Level.Trial)
    public void setUp() {
        loadInputs();
        gradBuffer = in.newLogitsLike();
        VariantCall call = VariantCall.prepare(in, variant);
        cfg = call.cfg();
        inputs = call.inputs();
        owned = call.owned();
        try (PolicyLossResult r = FusedKernels.policyLoss(in.logits, in.targets, inputs, cfg, gradBuffer)) {
            if (!Double.isFinite(r.loss())) throw new IllegalStateException(variant + ": loss " + r.loss());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (gradBuffer != null) gradBuffer.close();
        for (Tensor t : owned) if (t != null) t.close();
    }

    @Benchmark
    public double reusedBuffer() {
        try (PolicyLossResult r = FusedKernels.policyLoss(in.logits, in.targets, inputs, cfg, gradBuffer)) {
            return r.loss();
        }
    }
}
