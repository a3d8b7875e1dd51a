package org.eapo4j.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.hf.HfDecoder;
import org.eapo4j.hf.HfModels;
import org.eapo4j.kernels.Bf16Linear;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.model.CausalLMGenerator;
import org.eapo4j.model.Generation;
import org.eapo4j.model.SamplingConfig;
import org.eapo4j.train.ResidentMemory;

/**
 * Decode speed of a Hugging Face checkpoint against the roofline of a decode step, all measured in one run on the
 * same threads (issue 24): a decode step of B rows must read every weight once and do 2 x parameters x B FLOPs, so
 * its floor is max(weight bytes / copy bandwidth, FLOPs / fp32 GEMM peak); copy bandwidth = LibTorch {@code copy_}
 * between two resident buffers of the weights' size (read + write, so bytes read per second = size / time), GEMM
 * peak = a 2048^3 fp32 {@code mm}. The decode figure is {@link CausalLMGenerator} sampling B rows x NEW tokens
 * (top-k 50, top-p 0.95; prompts of 16 tokens; a random-weight model never stops early), minus one prefill, measured
 * twice: with the linear layers on our bf16 kernel ({@link Bf16Linear}, where the CPU has AVX-512 BF16) and on
 * LibTorch's GEMM (the baseline).
 * <p>Usage: {@code java -cp ... org.eapo4j.bench.DecodeRoofline MODEL_DIR [rows=8] [threads=2] [new=64]}
 */
public final class DecodeRoofline {
    private DecodeRoofline() {}

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int newTokens = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        torch.set_num_threads(threads);
        FusedKernels.setNumThreads(threads);
        org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(threads);   // the fp32 GEMM peak
        try (HfDecoder lm = HfModels.load(dir, null, "cpu"); NoGradGuard ng = new NoGradGuard()) {
            long weightBytes = 0, params = 0;
            for (Tensor t : lm.namedParameters().values()) {
                weightBytes += t.numel() * torch.elementSize(t.scalar_type().intern());
                params += t.numel();
            }
            double copyGbs = copyBandwidth(weightBytes);
            double gemmGflops = gemmPeak();
            double stepFlops = 2.0 * params * rows;
            double floorMs = Math.max(weightBytes / copyGbs / 1e6, stepFlops / gemmGflops / 1e6);
            CausalLMGenerator gen = new CausalLMGenerator(lm, new long[] {lm.vocabSize() - 1}, 0);
            double before = ResidentMemory.current() / 1e9;
            ResidentMemory.takePeak();   // from here: the peak of generating
            System.out.printf("model %s, %d rows, %d threads, %.2f GB of weights (%s), %.0f M parameters%n", dir, rows,
                    threads, weightBytes / 1e9, lm.dtype(), params / 1e6);
            System.out.printf("copy bandwidth %.1f GB/s -> %.1f ms to read the weights; fp32 GEMM peak %.0f GFLOPS -> "
                    + "%.1f ms for %.1f GFLOP; roofline %.1f ms (%.0f tokens/s)%n", copyGbs,
                    weightBytes / copyGbs / 1e6, gemmGflops, stepFlops / gemmGflops / 1e6, stepFlops / 1e9, floorMs,
                    rows * 1000 / floorMs);
            // the linear layers through our bf16 kernel where it applies, then through LibTorch's GEMM (the baseline)
            boolean kernel = Bf16Linear.cpuSupported();
            for (boolean ours : kernel ? new boolean[] {true, false} : new boolean[] {false}) {
                Bf16Linear.setEnabled(ours);
                try {
                    double[] ms = decodeStep(gen, rows, newTokens);
                    System.out.printf("decode step %.1f ms (%.0f tokens/s) with %s: %.0f%% of the roofline; prefill of"
                            + " %d x 16 tokens %.0f ms%n", ms[0], rows * 1000 / ms[0],
                            ours ? "the bf16 linear kernel" : "LibTorch's GEMM", 100 * floorMs / ms[0], rows, ms[1]);
                } finally {
                    Bf16Linear.setEnabled(null);
                }
            }
            System.out.printf("resident memory: %.2f GB after loading, peak %.2f GB while generating%n", before,
                    ResidentMemory.takePeak() / 1e9);
        }
    }

    /** {time of one decode step, time of the prefill} in ms: best of 2 of (B x NEW tokens) minus (B x 1 token). */
    private static double[] decodeStep(CausalLMGenerator gen, int rows, int newTokens) {
        long[][] prompts = new long[rows][16];
        for (long[] p : prompts) Arrays.fill(p, 100);
        SamplingConfig sc = new SamplingConfig(1.0, 50, 0.95, newTokens);
        SamplingConfig one = new SamplingConfig(1.0, 50, 0.95, 1);
        gen.generate(prompts, one, new SplittableRandom(1));   // warm-up
        double prefill = Double.MAX_VALUE, full = Double.MAX_VALUE;
        int generated = 0;
        for (int rep = 0; rep < 2; rep++) {
            long t0 = System.nanoTime();
            gen.generate(prompts, one, new SplittableRandom(2));
            prefill = Math.min(prefill, (System.nanoTime() - t0) / 1e6);
            t0 = System.nanoTime();
            Generation g = gen.generate(prompts, sc, new SplittableRandom(3));
            full = Math.min(full, (System.nanoTime() - t0) / 1e6);
            generated = g.responses()[0].length;
        }
        return new double[] {(full - prefill) / (generated - 1), prefill};
    }

    /** GB/s read by {@code dst.copy_(src)} over buffers of {@code bytes} (best of 5 after a warm-up). */
    private static double copyBandwidth(long bytes) {
        try (PointerScope s = new PointerScope()) {
            Tensor src = torch.ones(bytes / 4), dst = torch.zeros(bytes / 4);
            dst.copy_(src);
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                dst.copy_(src);
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            return bytes / best / 1e9;
        }
    }

    /** GFLOPS of a 2048^3 fp32 matrix product (best of 5 after a warm-up). */
    private static double gemmPeak() {
        try (PointerScope s = new PointerScope()) {
            int n = 2048;
            Tensor a = torch.randn(n, n), b = torch.randn(n, n), c = torch.mm(a, b);
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                torch.mm_out(c, a, b);
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            return 2.0 * n * n * n / best / 1e9;
        }
    }
}
