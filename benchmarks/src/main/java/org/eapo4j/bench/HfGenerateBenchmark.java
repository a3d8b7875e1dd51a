package org.eapo4j.bench;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.hf.HfDecoder;
import org.eapo4j.model.CausalLMGenerator;
import org.eapo4j.model.Generation;
import org.eapo4j.model.SamplingConfig;
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
 * Greedy generation throughput (generated tokens per second; {@value #BATCH} prompts of {@value #PROMPT} tokens,
 * {@value #NEW} new tokens each) of the Hugging Face decoder through {@link CausalLMGenerator}, next to the same
 * forward written as plain LibTorch calls ({@link PlainLibTorchDecoder}) on the same parameters in the same run.
 * Models: stories260K, and a random Qwen2-0.5B-shaped model with 2 layers (its 151936 x 896 tied head dominates).
 * The trial set-up checks that both sides produce the same tokens. Run:
 * {@code benchmarks/jmh.sh HfGenerateBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 3)
public class HfGenerateBenchmark {
    static final int BATCH = 4, PROMPT = 16, NEW = 32;

    @Param({"stories260K", "qwen2-0.5b-2l"})
    public String model;
    @Param({"Float"})
    public String dtype;
    @Param({"2"})
    public int threads;

    private HfDecoder lm;
    private Map<String, Tensor> params;
    private PlainLibTorchDecoder plain;
    private long[][] prompts;
    private long[] flat;

    @Setup(Level.Trial)
    public void setUp() {
        BenchThreads.set(threads);
        lm = HfModelsForBench.load(model, ScalarType.valueOf(dtype));
        params = lm.namedParameters();
        plain = new PlainLibTorchDecoder(lm.config(), params);
        prompts = new long[BATCH][PROMPT];
        flat = new long[BATCH * PROMPT];
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int i = 0; i < BATCH; i++)
            for (int j = 0; j < PROMPT; j++) flat[i * PROMPT + j] = prompts[i][j] = 3 + r.nextInt(200);
        // both sides must agree before either is timed
        long[] a = ours(), b = libtorch();
        if (!java.util.Arrays.equals(a, b)) throw new IllegalStateException(model + ": the plain LibTorch forward "
                + "generates other tokens than the model");
    }

    @Setup(Level.Iteration)
    public void threads() {
        BenchThreads.set(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        params.values().forEach(Tensor::close);
        lm.close();
    }

    long[] ours() {
        Generation g = new CausalLMGenerator(lm, new long[] {-1}, 0).generate(prompts, SamplingConfig.greedy(NEW),
                null);
        long[] out = new long[BATCH * NEW];
        for (int i = 0; i < BATCH; i++)
            for (int j = 0; j < NEW; j++) out[i * NEW + j] = g.responses()[i][j];
        return out;
    }

    long[] libtorch() {
        try (NoGradGuard g = new NoGradGuard()) {
            return plain.greedy(flat, BATCH, PROMPT, NEW);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH * NEW)
    public long[] generateOurs() {
        return ours();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH * NEW)
    public long[] generatePlainLibTorch() {
        return libtorch();
    }
}
