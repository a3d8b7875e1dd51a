package org.eapo4j.bench;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.kernels.CovarianceSelection;
import org.eapo4j.kernels.EntropyControls;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.kernels.ImportanceSamplingLevel;
import org.eapo4j.kernels.PolicyLossConfig;
import org.eapo4j.kernels.PolicyLossInputs;
import org.eapo4j.kernels.PolicyLossResult;
import org.eapo4j.kernels.SequenceLogRatio;
import org.eapo4j.kernels.Surrogate;
import org.eapo4j.kernels.TokenStats;
import org.eapo4j.tensors.HostTensors;
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
    static final int SEQ_LEN = 256;

    @Param({"plain", "gspo", "cispo", "topEntropy", "clipCov", "klCov", "all"})
    public String variant;

    private Tensor gradBuffer;
    private PolicyLossInputs inputs;
    private PolicyLossConfig cfg;
    private Tensor[] owned = new Tensor[0];

    @Setup(Level.Trial)
    public void setUp() {
        loadInputs();
        if (n % SEQ_LEN != 0) throw new IllegalArgumentException("n must be a multiple of " + SEQ_LEN);
        gradBuffer = in.newLogitsLike();
        int b = n / SEQ_LEN;
        PolicyLossInputs base = in.loss;
        PolicyLossConfig plain = BenchInputs.LOSS;
        try (TokenStats st = FusedKernels.tokenStats(in.logits, in.targets, BenchInputs.TEMPERATURE);
             Tensor mask = HostTensors.full(1f, b, SEQ_LEN)) {
            Tensor lp = st.logProbs().view(b, SEQ_LEN), old = base.oldLogProbs().view(b, SEQ_LEN);
            Tensor adv = base.advantages().view(b, SEQ_LEN);
            Tensor seq = null, keep = null, absKl = null;
            PolicyLossConfig.Builder c = plain.toBuilder();
            boolean all = variant.equals("all");
            if (variant.equals("gspo") || all) {
                seq = SequenceLogRatio.perToken(lp, old, mask).view(n);
                c.importanceSamplingLevel(ImportanceSamplingLevel.SEQUENCE);
            }
            if (variant.equals("cispo")) c.surrogate(Surrogate.CISPO).clipHigh(4.0);
            if (variant.equals("topEntropy") || all)
                c.entropyThreshold(EntropyControls.topEntropyThreshold(st.entropy().view(b, SEQ_LEN), mask, 0.2));
            if (variant.equals("clipCov") || all)  // verl's defaults except a wider band, so tokens are dropped
                keep = CovarianceSelection.clipCovKeep(lp, old, adv, mask, 0.2, 0.28, 0.0002, -1, 5, 1).view(n);
            if (variant.equals("klCov") || all) {
                absKl = CovarianceSelection.klCovCoef(lp, adv, mask, 0.0002, 1.0).view(n);
                if (!all) c.surrogate(Surrogate.UNCLIPPED);
            }
            cfg = c.build();
            inputs = base.withVariants(seq, keep, absKl);
            owned = new Tensor[] {seq, keep, absKl};
        }
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
