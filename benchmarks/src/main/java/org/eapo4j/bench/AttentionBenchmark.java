package org.eapo4j.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.model.ScaledDotProductAttention;
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

/**
 * Attention forward + backward in bf16 on the CPU at the shapes of a Qwen3-0.6B layer (16 query heads, 8 KV heads,
 * head size 128): {@link #ours} ({@link ScaledDotProductAttention}: LibTorch's fused attention on float32 copies of
 * the inputs) against {@link #libtorchBf16} (the same LibTorch call on the bf16 inputs, what the models ran before).
 * Shapes: {@code update} = a minibatch of 4 rows x 80 positions (the RL step of {@code benchmarks/rl-step.sh}),
 * {@code decode} = 8 rows, one new position over 144 cached ones (forward only: no gradient), {@code long} = one row
 * of 1024 positions. libtorchBf16 / ours is the speed-up; compare the two only within one run.
 *
 * <pre>benchmarks/jmh.sh AttentionBenchmark -f 1 -wi 2 -w 1 -i 5 -r 1</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xss4m"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
public class AttentionBenchmark {
    @Param({"update", "decode", "long"})
    public String shape;

    @Param({"2"})
    public int threads;

    private static final int HEADS = 16, KV_HEADS = 8, HEAD_DIM = 128;
    private Tensor q, k, v, mask;
    private boolean backward;

    @Setup(Level.Trial)
    public void setUp() {
        int rows, t, s;
        switch (shape) {
            case "update" -> { rows = 4; t = 80; s = 80; }
            case "decode" -> { rows = 8; t = 1; s = 144; }
            case "long" -> { rows = 1; t = 1024; s = 1024; }
            default -> throw new IllegalArgumentException("shape: " + shape);
        }
        backward = t > 1;
        Random rnd = new Random(1);
        q = random(rnd, rows, HEADS, t).requires_grad_(backward);
        k = random(rnd, rows, KV_HEADS, s).requires_grad_(backward);
        v = random(rnd, rows, KV_HEADS, s).requires_grad_(backward);
        mask = torch.ones(t, s).tril(s - t).gt(new Scalar(0.5)).expand(rows, 1, t, s);
    }

    @Setup(Level.Iteration)
    public void setThreads() {
        BenchThreads.set(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Tensor x : new Tensor[] {q, k, v, mask}) x.close();
    }

    @Benchmark
    public double ours() {
        try (PointerScope scope = new PointerScope()) {
            return run(ScaledDotProductAttention.compute(q, k, v, mask));
        }
    }

    @Benchmark
    public double libtorchBf16() {
        try (PointerScope scope = new PointerScope()) {
            return run(torch.scaled_dot_product_attention(q, k, v, new TensorOptional(mask), 0.0, false,
                    new DoubleOptional(), true));
        }
    }

    private double run(Tensor out) {
        if (!backward) return out.data_ptr().address();
        out.sum().backward();
        double g = q.grad().data_ptr().address();
        for (Tensor x : new Tensor[] {q, k, v}) x.grad().zero_();   // accumulate into the same buffers
        return g;
    }

    private static Tensor random(Random rnd, int rows, int heads, int positions) {
        float[] f = new float[rows * heads * positions * HEAD_DIM];
        for (int i = 0; i < f.length; i++) f[i] = (float) rnd.nextGaussian();
        return HostTensors.fromFloats(f, rows, heads, positions, HEAD_DIM).to(ScalarType.BFloat16);
    }
}
