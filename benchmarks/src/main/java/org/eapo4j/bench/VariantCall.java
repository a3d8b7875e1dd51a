package org.eapo4j.bench;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.kernels.CovarianceSelection;
import org.eapo4j.kernels.EntropyControls;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.kernels.ImportanceSamplingLevel;
import org.eapo4j.kernels.PolicyLossConfig;
import org.eapo4j.kernels.PolicyLossInputs;
import org.eapo4j.kernels.SequenceLogRatio;
import org.eapo4j.kernels.Surrogate;
import org.eapo4j.kernels.TokenStats;
import org.eapo4j.tensors.HostTensors;

/**
 * One loss variant's config and inputs over the shared benchmark inputs ({@link BenchInputs#LOSS} and its per-token
 * tensors), built as a trainer builds them once per step: sequences of 256 tokens, the variant inputs from a
 * token-statistics pass of the same logits. {@code owned} are the new tensors (close them).
 */
record VariantCall(String variant, PolicyLossConfig cfg, PolicyLossInputs inputs, Tensor[] owned) {
    static final int SEQ_LEN = 256;
    static final String[] VARIANTS = {"plain", "gspo", "cispo", "topEntropy", "clipCov", "klCov", "all"};

    static VariantCall prepare(BenchInputs in, String variant) {
        if (in.n % SEQ_LEN != 0) throw new IllegalArgumentException("n must be a multiple of " + SEQ_LEN);
        int b = in.n / SEQ_LEN;
        PolicyLossInputs base = in.loss;
        try (TokenStats st = FusedKernels.tokenStats(in.logits, in.targets, BenchInputs.TEMPERATURE);
             Tensor mask = HostTensors.full(1f, b, SEQ_LEN)) {
            Tensor lp = st.logProbs().view(b, SEQ_LEN), old = base.oldLogProbs().view(b, SEQ_LEN);
            Tensor adv = base.advantages().view(b, SEQ_LEN);
            Tensor seq = null, keep = null, absKl = null;
            PolicyLossConfig.Builder c = BenchInputs.LOSS.toBuilder();
            boolean all = variant.equals("all");
            if (variant.equals("gspo") || all) {
                seq = SequenceLogRatio.perToken(lp, old, mask).view(in.n);
                c.importanceSamplingLevel(ImportanceSamplingLevel.SEQUENCE);
            }
            if (variant.equals("cispo")) c.surrogate(Surrogate.CISPO).clipHigh(4.0);
            if (variant.equals("topEntropy") || all)
                c.entropyThreshold(EntropyControls.topEntropyThreshold(st.entropy().view(b, SEQ_LEN), mask, 0.2));
            if (variant.equals("clipCov") || all)  // verl's defaults except a wider band, so tokens are dropped
                keep = CovarianceSelection.clipCovKeep(lp, old, adv, mask, 0.2, 0.28, 0.0002, -1, 5, 1).view(in.n);
            if (variant.equals("klCov") || all) {
                absKl = CovarianceSelection.klCovCoef(lp, adv, mask, 0.0002, 1.0).view(in.n);
                if (!all) c.surrogate(Surrogate.UNCLIPPED);
            }
            return new VariantCall(variant, c.build(), base.withVariants(seq, keep, absKl),
                    new Tensor[] {seq, keep, absKl});
        }
    }

    void close() {
        for (Tensor t : owned) if (t != null) t.close();
    }
}
