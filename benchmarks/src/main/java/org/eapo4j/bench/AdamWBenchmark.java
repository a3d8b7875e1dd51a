package org.eapo4j.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.kernels.AdamWStep;
import org.eapo4j.kernels.FusedAdamW;
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
 * One AdamW step over one parameter of {@code n} elements on the CPU: the fused native op ({@link FusedAdamW}, one
 * pass) against the LibTorch op sequence that {@code AdamW.step} ran before it ({@link #libtorch}, copied here as the
 * baseline: about eight elementwise passes and one parameter-sized temporary), same thread count for both.
 * {@link #copyRoofline} is a LibTorch copy_ that moves as many bytes as the fused step must (it reads the parameter,
 * the gradient and both moments and writes back the parameter and both moments: n * (2 p + g + 4 s) bytes), so
 * fused / copyRoofline is the step's distance from memory bandwidth, and libtorch / fused its speed-up; compare the
 * three only within one run. Configurations: {@code bf16-f32state} (bf16 parameter and gradient, float32 moments,
 * AdamW's float32State) and {@code f32}.
 *
 * <pre>benchmarks/jmh.sh AdamWBenchmark -f 1 -wi 2 -w 1 -i 5 -r 1</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xss4m"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
public class AdamWBenchmark {
    @Param({"16777216"})
    public int n;

    @Param({"bf16-f32state", "f32"})
    public String config;

    @Param({"1", "2"})
    public int threads;

    private static final double LR = 1e-4, B1 = 0.9, B2 = 0.999, EPS = 1e-8, WD = 0.1;
    private Tensor p, g, m, v, copySrc, copyDst;
    private NoGradGuard noGrad;

    @Setup(Level.Trial)
    public void setUp() {
        noGrad = new NoGradGuard();
        ScalarType pt = config.equals("f32") ? ScalarType.Float : ScalarType.BFloat16;
        Random rnd = new Random(1);
        float[] buf = new float[n];
        for (int i = 0; i < n; i++) buf[i] = (float) rnd.nextGaussian();
        p = HostTensors.fromFloats(buf, n).to(pt);
        for (int i = 0; i < n; i++) buf[i] = (float) (rnd.nextGaussian() * 1e-2);
        g = HostTensors.fromFloats(buf, n).to(pt);
        m = zerosFloat(n);
        v = zerosFloat(n);
        long bytes = n * (2L * p.element_size() + g.element_size() + 4L * m.element_size());
        copySrc = zerosFloat(bytes / 8);   // a float32 copy of bytes / 2 reads bytes / 2 and writes bytes / 2
        copyDst = zerosFloat(bytes / 8);
        checkAgreement(pt);
    }

    /** One step of each from the same state agrees within 2 ulps of the parameter's dtype (not a benchmark). */
    private void checkAgreement(ScalarType pt) {
        try (Tensor p1 = p.clone(); Tensor m1 = m.clone(); Tensor v1 = v.clone(); Tensor p2 = p.clone();
             Tensor m2 = m.clone(); Tensor v2 = v.clone()) {
            FusedAdamW.step(p1, g, m1, v1, new AdamWStep(LR, B1, B2, EPS, WD, 1));
            opSequence(p2, g, m2, v2, 1);
            double rtol = pt == ScalarType.Float ? 1e-6 : 2.0 / 128;
            if (!torch.allclose(p1.to(ScalarType.Float), p2.to(ScalarType.Float), rtol, 1e-6, false))
                throw new IllegalStateException("fused AdamW and the LibTorch op sequence disagree (" + config + ")");
        }
    }

    @Setup(Level.Iteration)
    public void setThreads() {
        BenchThreads.set(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Tensor t : new Tensor[] {p, g, m, v, copySrc, copyDst}) t.close();
        noGrad.close();
    }

    @Benchmark
    public long fused() {
        FusedAdamW.step(p, g, m, v, new AdamWStep(LR, B1, B2, EPS, WD, 1));
        return p.data_ptr().address();
    }

    @Benchmark
    public long libtorch() {
        opSequence(p, g, m, v, 1);
        return p.data_ptr().address();
    }

    @Benchmark
    public long copyRoofline() {
        copyDst.copy_(copySrc);
        return copyDst.data_ptr().address();
    }

    /** AdamW.step's update before the fused op (decay for a matrix-like parameter), one parameter. */
    private static void opSequence(Tensor p, Tensor g, Tensor m, Tensor v, long step) {
        double bc1 = 1 - Math.pow(B1, step), bc2 = 1 - Math.pow(B2, step);
        try (PointerScope scope = new PointerScope()) {
            p.mul_(new Scalar(1 - LR * WD));
            m.mul_(new Scalar(B1)).add_(g, new Scalar(1 - B1));
            v.mul_(new Scalar(B2)).addcmul_(g, g, new Scalar(1 - B2));
            Tensor denom = v.div(new Scalar(bc2));
            denom.sqrt_().add_(new Scalar(EPS));
            p.addcdiv_(m, denom, new Scalar(-LR / bc1));
        }
    }

    private static Tensor zerosFloat(long n) {
        try (TensorOptions o = new TensorOptions(ScalarType.Float)) {
            return torch.zeros(new long[] {n}, o);
        }
    }
}
