package org.eapo4j.bench;

import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.kernels.SamplingParams;
import org.eapo4j.model.Sampler;
import org.eapo4j.model.SamplingConfig;
import org.eapo4j.tensors.HostTensors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Sampling one token per row of [8, V] fp32 logits ~ Normal(0, 2), one thread, time per row:
 * <ul>
 *   <li>{@code ours}: {@link FusedKernels#sample} on the [8, V] tensor (one native call for the 8 rows);</li>
 *   <li>{@code oursViaSampler}: {@link Sampler#sample} row by row, as the generators call it (a copy of the row into
 *   native memory per call included);</li>
 *   <li>{@code hostSort}: {@link HostSortSampler}, the host sampler it replaced (full sorts of the row).</li>
 * </ul>
 * Same logits, same uniforms. The trial's set-up checks that all three draw the same ids, so no wrong sampler is
 * timed. Command and figures: docs/BENCHMARKS.md, "Sampling".
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
public class SamplingBenchmark {
    static final int ROWS = 8;

    @Param({"151936"})
    public int v;
    /** temperature 1 and: top-k 50 + top-p 0.95, top-k 50, top-p 0.95, or no filter. */
    @Param({"topk50-topp0.95", "topk50", "topp0.95", "none"})
    public String filter;

    private float[] host;
    private Tensor logits;
    private SamplingConfig cfg;
    private SamplingParams params;
    private double[] u;

    @Setup(Level.Trial)
    public void setUp() {
        FusedKernels.setNumThreads(1);
        Random g = new Random(1);
        host = new float[ROWS * v];
        for (int i = 0; i < host.length; i++) host[i] = (float) (g.nextGaussian() * 2);
        logits = HostTensors.fromFloats(host, ROWS, v);
        cfg = switch (filter) {
            case "topk50-topp0.95" -> new SamplingConfig(1.0, 50, 0.95, 1);
            case "topk50" -> new SamplingConfig(1.0, 50, 1.0, 1);
            case "topp0.95" -> new SamplingConfig(1.0, 0, 0.95, 1);
            case "none" -> new SamplingConfig(1.0, 0, 1.0, 1);
            default -> throw new IllegalArgumentException("filter " + filter);
        };
        params = new SamplingParams(cfg.temperature(), cfg.topK(), cfg.topP(), 0);
        u = new double[ROWS];
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < ROWS; i++) u[i] = r.nextDouble();
        long[] ours = FusedKernels.sample(logits, params, u, null).ids();
        SplittableRandom a = new SplittableRandom(7), b = new SplittableRandom(7);
        for (int i = 0; i < ROWS; i++) {
            int viaSampler = Sampler.sample(host, i * v, v, cfg, a), hostSort = HostSortSampler.sample(host, i * v, v, cfg, b);
            if (ours[i] != hostSort || viaSampler != hostSort)
                throw new IllegalStateException("row " + i + ": ours " + ours[i] + ", via Sampler " + viaSampler
                        + ", host sort " + hostSort);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        logits.close();
    }

    @Benchmark
    @OperationsPerInvocation(ROWS)
    public long ours() {
        return FusedKernels.sample(logits, params, u, null).ids()[0];
    }

    @Benchmark
    @OperationsPerInvocation(ROWS)
    public long oursViaSampler() {
        SplittableRandom r = new SplittableRandom(7);
        long s = 0;
        for (int i = 0; i < ROWS; i++) s += Sampler.sample(host, i * v, v, cfg, r);
        return s;
    }

    @Benchmark
    @OperationsPerInvocation(ROWS)
    public long hostSort() {
        SplittableRandom r = new SplittableRandom(7);
        long s = 0;
        for (int i = 0; i < ROWS; i++) s += HostSortSampler.sample(host, i * v, v, cfg, r);
        return s;
    }
}
