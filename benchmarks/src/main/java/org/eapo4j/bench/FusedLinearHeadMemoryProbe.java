package org.eapo4j.bench;

import java.io.IOException;
import java.util.List;
import java.util.Locale;

import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.kernels.FusedLinearHead;

/**
 * Peak extra resident memory of one loss forward + backward through the LM head, per side of
 * {@link FusedLinearHeadBenchmark}, measured as {@link MemoryProbe} does (run in its own JVM by
 * {@link FusedLinearHeadReport}): {@code java ... org.eapo4j.bench.FusedLinearHeadMemoryProbe N D V DTYPE THREADS}.
 * Inputs are resident and the gradients dropped before each side, which is called once unmeasured and then once
 * measured; the peak RSS the measured call adds is printed with the bytes
 * of its outputs (dL/dW and dL/dH, which stay as the leaves' gradients, plus the [N] per-token results).
 * Prints {@code MEMPROBE <side> <peakDeltaBytes> <outputBytes>} or {@code MEMPROBE <side> SKIP <reason>}.
 */
public final class FusedLinearHeadMemoryProbe {
    static final List<String> SIDES = List.of("fusedHead", "fusedHead.ownDtypeWeightGrad", "fullLogitsOurs",
            "libtorchAutograd");

    private FusedLinearHeadMemoryProbe() {}

    public static void main(String[] args) throws IOException {
        int n = Integer.parseInt(args[0]), d = Integer.parseInt(args[1]), v = Integer.parseInt(args[2]);
        String dtype = args[3];
        BenchThreads.set(Integer.parseInt(args[4]));
        try (HeadInputs tiny = new HeadInputs(64, 32, 1000, dtype)) {
            runAll(tiny, false);
        }
        try (HeadInputs in = new HeadInputs(n, d, v, dtype)) {
            runAll(in, true);
        }
    }

    private static void runAll(HeadInputs in, boolean report) throws IOException {
        long out = in.gradientBytes() + in.n * 13L;  // + token loss, log-prob, entropy (fp32) and flags per token
        measure(in, report, "fusedHead", out, () -> in.fusedHead(FusedLinearHead.Options.DEFAULT));
        if (in.dtype == ScalarType.Float) {
            if (report) System.out.println("MEMPROBE fusedHead.ownDtypeWeightGrad SKIP same as fusedHead for fp32");
        } else {
            measure(in, report, "fusedHead.ownDtypeWeightGrad", out,
                    () -> in.fusedHead(FusedLinearHead.Options.DEFAULT.withFp32WeightGrad(false)));
        }
        measure(in, report, "fullLogitsOurs", out, in::fullLogitsOurs);
        long need = 8 * in.logitsBytes() + 500_000_000L;  // the logits, autograd's 7 [N, V] temporaries, a margin
        if (report && MemoryProbe.memAvailable() < need) {
            System.out.printf(Locale.ROOT, "MEMPROBE libtorchAutograd SKIP needs ~%.1f GB, MemAvailable %.1f GB%n",
                    need / 1e9, MemoryProbe.memAvailable() / 1e9);
            return;
        }
        measure(in, report, "libtorchAutograd", out, in::libtorchAutograd);
    }

    private static void measure(HeadInputs in, boolean report, String side, long outputBytes, Runnable call)
            throws IOException {
        // One unmeasured call first: the BLAS keeps scratch buffers from its first large product, which would
        // otherwise be charged to whichever side happens to run first.
        in.clearGrads();
        if (report) call.run();
        in.clearGrads();
        long before = MemoryProbe.statusKb("VmRSS") * 1024;
        boolean reset = MemoryProbe.resetPeak();
        call.run();
        long peak = MemoryProbe.statusKb("VmHWM") * 1024;
        in.clearGrads();
        if (!report) return;
        if (!reset) System.out.println("MEMPROBE " + side + " SKIP /proc/self/clear_refs is not writable");
        else System.out.println("MEMPROBE " + side + " " + Math.max(0, peak - before) + " " + outputBytes);
    }
}
