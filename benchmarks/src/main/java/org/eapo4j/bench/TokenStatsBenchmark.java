package org.eapo4j.bench;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.kernels.TokenStats;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;

/**
 * Token statistics (log p(y) and entropy, SPEC.md) of [N, V] logits: our fused one-pass kernel against the LibTorch
 * composite log_softmax + gather + softmax + multiply + sum ({@link TorchComposite#tokenStats}), on identical inputs
 * and the same thread count. Run through {@link BenchmarkReport}; the JMH defaults are in {@link ShapeState}.
 */
public class TokenStatsBenchmark extends ShapeState {
    @Setup(Level.Trial)
    public void setUp() {
        loadInputs();
        try (TokenStats ours = FusedKernels.tokenStats(in.logits, in.targets, BenchInputs.TEMPERATURE)) {
            Agreement.checkTokenStats(in, ours);
        }
    }

    @Benchmark
    public long ours() {
        try (TokenStats s = FusedKernels.tokenStats(in.logits, in.targets, BenchInputs.TEMPERATURE)) {
            return s.logProbs().data_ptr().address();
        }
    }

    @Benchmark
    public long libtorch() {
        Tensor[] r = TorchComposite.tokenStats(in.logits, in.targets, BenchInputs.TEMPERATURE);
        long a = r[0].data_ptr().address();
        r[0].close();
        r[1].close();
        return a;
    }
}
