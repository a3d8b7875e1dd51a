package org.eapo4j.bench;

import java.util.concurrent.TimeUnit;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.kernels.FusedLinearHead;
import org.eapo4j.tensors.HostTensors;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * One policy-loss forward + backward through the LM head (Qwen2-0.5B's head by default: N = 1024 tokens, D = 896,
 * V = 151936): the fused head against full logits + our kernel and against LibTorch autograd (see
 * {@link HeadInputs}). Gradients are dropped before every call, untimed. Run through
 * {@link FusedLinearHeadReport} (benchmarks/run-fused-head.sh), which also measures the peak memory of each side.
 *
 * <p>Sanity check: the fused side's trial set-up runs it and the full-logits side once each and compares loss,
 * dL/dH and dL/dW; a disagreement fails the benchmark.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 0)
@Measurement(iterations = 2, time = 1)
public class FusedLinearHeadBenchmark {
    @Param({"1024"})
    public int n;
    @Param({"896"})
    public int d;
    @Param({"151936"})
    public int v;
    @Param({"Float"})
    public String dtype;
    @Param({"2"})
    public int threads;

    /** System property: "false" skips the agreement check (later rounds of {@link FusedLinearHeadReport}). */
    static final String CHECK_PROPERTY = "eapo4j.bench.fusedHeadCheck";

    private HeadInputs in;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        BenchThreads.set(threads);
        in = new HeadInputs(n, d, v, dtype);
        boolean check = Boolean.parseBoolean(System.getProperty(CHECK_PROPERTY, "true"));
        if (check && params.getBenchmark().endsWith(".fusedHead")) checkAgainstFullLogits(in);
    }

    /** Fused vs full logits on the benchmark's own inputs; throws on disagreement. */
    static void checkAgainstFullLogits(HeadInputs in) {
        in.clearGrads();
        double fused = in.fusedHead(FusedLinearHead.Options.DEFAULT);
        float[] gh = grad(in.hidden), gw = grad(in.weight);
        in.clearGrads();
        double full = in.fullLogitsOurs();
        float[] rh = grad(in.hidden), rw = grad(in.weight);
        in.clearGrads();
        double tol = in.dtype == ScalarType.Float ? 1e-4 : 3e-2;
        if (Math.abs(fused - full) > 1e-5 + tol * Math.abs(full))
            throw new IllegalStateException("fused head loss " + fused + " vs full logits " + full);
        agree("dL/dH", gh, rh, tol);
        agree("dL/dW", gw, rw, tol);
    }

    private static float[] grad(Tensor t) {
        return HostTensors.toFloats(t.grad());
    }

    private static void agree(String what, float[] got, float[] want, double tol) {
        double max = 0;
        for (float x : want) max = Math.max(max, Math.abs(x));
        for (int i = 0; i < want.length; i++)
            if (!(Math.abs(got[i] - want[i]) <= tol * max))
                throw new IllegalStateException(what + "[" + i + "]: fused head " + got[i] + " vs full logits "
                        + want[i] + " (max |value| " + max + ")");
    }

    @Setup(Level.Invocation)
    public void dropGradients() {
        BenchThreads.set(threads);
        in.clearGrads();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (in != null) in.close();
    }

    @Benchmark
    public double fusedHead() {
        return in.fusedHead(FusedLinearHead.Options.DEFAULT);
    }

    @Benchmark
    public double fullLogitsOurs() {
        return in.fullLogitsOurs();
    }

    @Benchmark
    public double libtorchAutograd() {
        return in.libtorchAutograd();
    }
}
