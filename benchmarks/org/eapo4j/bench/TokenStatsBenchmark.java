package org.eapo4j.bench;

import java.util.concurrent.TimeUnit;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.kernels.TokenStats;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Token statistics (log p(y) and entropy, SPEC.md) of [N, V] logits: our fused one-pass kernel against the LibTorch
 * composite log_softmax + gather + softmax + multiply + sum ({@link TorchComposite#tokenStats}), on identical inputs
 * and the same thread count. Run through {@link BenchmarkReport}; the annotations are only defaults.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
public class TokenStatsBenchmark {
    @Param({"4096"})
    public int n;
    @Param({"32000"})
    public int v;
    @Param({"Float"})
    public String dtype;
    @Param({"2"})
    public int threads;

    private BenchInputs in;

    @Setup(Level.Trial)
    public void setUp() {
        BenchThreads.set(threads);
        in = BenchInputs.shared(n, v, dtype);
        try (TokenStats ours = FusedKernels.tokenStats(in.logits, in.targets, BenchInputs.TEMPERATURE)) {
            Agreement.checkTokenStats(in, ours);
        }
    }

    @Setup(Level.Iteration)
    public void threads() {
        BenchThreads.set(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        in.close();
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
