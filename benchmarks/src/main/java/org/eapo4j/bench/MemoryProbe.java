package org.eapo4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.kernels.PolicyLossResult;
import org.eapo4j.kernels.TokenStats;

/**
 * Peak extra resident memory of one call of each side, run by {@link BenchmarkReport} in its own JVM per shape and
 * dtype: {@code java ... org.eapo4j.bench.MemoryProbe N V DTYPE THREADS}.
 *
 * <p>Method: all inputs (and the reused gradient buffer / the in-place work copy) are built and resident first; then,
 * for each side, the kernel's peak-RSS counter is reset to the current RSS (writing 5 to /proc/self/clear_refs), the
 * side is called once, and the peak (VmHWM) minus the RSS before the call is the memory the call added; subtracting
 * the bytes of its outputs (the [N] results, and the [N, V] gradient where the call allocates it) leaves the
 * temporaries. The parent starts this JVM with MALLOC_MMAP_THRESHOLD_ set so that freed native blocks go back to the
 * OS between sides, -Xint so that no JIT compilation allocates during a call, and a pre-touched fixed-size heap. Every
 * side is first called once on a tiny shape, so one-time initialisation (thread pools, lazy tables) is not counted.
 * Prints one line per side: {@code MEMPROBE <side> <peakDeltaBytes> <outputBytes>} or {@code MEMPROBE <side> SKIP
 * <reason>}.
 */
public final class MemoryProbe {
    static final List<String> SIDES = List.of("tokenStats.ours", "tokenStats.libtorch", "policyLoss.oursFreshGrad",
            "policyLoss.oursReusedBuffer", "policyLoss.oursInPlace", "policyLoss.libtorchAutograd");

    private MemoryProbe() {}

    public static void main(String[] args) throws IOException {
        int n = Integer.parseInt(args[0]), v = Integer.parseInt(args[1]);
        String dtype = args[2];
        int threads = Integer.parseInt(args[3]);
        BenchThreads.set(threads);
        try (BenchInputs tiny = BenchInputs.create(64, 1000, dtype).withLossInputs()) {
            runAll(tiny, false);
        }
        try (BenchInputs in = BenchInputs.create(n, v, dtype).withLossInputs()) {
            runAll(in, true);
        }
    }

    private static void runAll(BenchInputs in, boolean report) throws IOException {
        long nv = in.logitsBytes(), perToken = (long) in.n * (3 * 4 + 1);  // token loss, logp, entropy, flags
        long esize = nv / ((long) in.n * in.v);
        measure(report, "tokenStats.ours", 2L * in.n * 4, () -> {
            FusedKernels.tokenStats(in.logits, in.targets, BenchInputs.TEMPERATURE).close();
        });
        measure(report, "tokenStats.libtorch", 2L * in.n * esize, () -> {
            Tensor[] r = TorchComposite.tokenStats(in.logits, in.targets, BenchInputs.TEMPERATURE);
            r[0].close();
            r[1].close();
        });
        measure(report, "policyLoss.oursFreshGrad", nv + perToken, () -> {
            FusedKernels.policyLoss(in.logits, in.targets, in.loss, BenchInputs.LOSS).close();
        });
        try (Tensor buffer = in.newLogitsLike()) {
            measure(report, "policyLoss.oursReusedBuffer", perToken, () -> {
                FusedKernels.policyLoss(in.logits, in.targets, in.loss, BenchInputs.LOSS, buffer).close();
            });
            buffer.copy_(in.logits);  // reuse the same pages as the in-place work copy
            measure(report, "policyLoss.oursInPlace", perToken, () -> {
                FusedKernels.policyLoss(buffer, in.targets, in.loss, BenchInputs.LOSS_IN_PLACE).close();
            });
        }
        long need = (long) (7.0 * nv) + 500_000_000L;  // autograd adds 7 [N, V] tensors at its peak; a margin
        long avail = memAvailable();
        if (report && avail < need) {
            System.out.printf(Locale.ROOT, "MEMPROBE policyLoss.libtorchAutograd SKIP needs ~%.1f GB, MemAvailable "
                    + "%.1f GB%n", need / 1e9, avail / 1e9);
            return;
        }
        measure(report, "policyLoss.libtorchAutograd", nv + in.n * 4L, () -> {
            TorchComposite.policyLoss(in.logits, in.targets, in.loss, BenchInputs.LOSS).close();
        });
    }

    private static void measure(boolean report, String side, long outputBytes, Runnable call) throws IOException {
        long before = statusKb("VmRSS") * 1024;
        boolean reset = resetPeak();
        call.run();
        long peak = statusKb("VmHWM") * 1024;
        if (!report) return;
        if (!reset) System.out.println("MEMPROBE " + side + " SKIP /proc/self/clear_refs is not writable");
        else System.out.println("MEMPROBE " + side + " " + Math.max(0, peak - before) + " " + outputBytes);
    }

    /** Resets VmHWM to the current RSS (Linux >= 4.0); false where that is not allowed. */
    static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static long statusKb(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status")))
            if (line.startsWith(key + ":")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        throw new IOException(key + " not in /proc/self/status");
    }

    static long memAvailable() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo")))
            if (line.startsWith("MemAvailable:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        return Long.MAX_VALUE;
    }
}
