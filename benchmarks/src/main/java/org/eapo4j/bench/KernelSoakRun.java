package org.eapo4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.kernels.KernelScope;
import org.eapo4j.kernels.PolicyLossResult;
import org.eapo4j.kernels.TokenStats;

/**
 * Soak run (not a CI test, not JMH): many small kernel calls, alternating tokenStats and policyLoss, with resident
 * memory sampled, to show that native memory stays flat over a long run. Run with {@code benchmarks/soak-kernels.sh}.
 *
 * <p>{@code java ... org.eapo4j.bench.KernelSoakRun [CALLS [N [V [MODE]]]]}, defaults 100000 64 4000 scoped. MODE
 * {@code scoped}: one {@link KernelScope} per call owns its result; {@code unclosed}: no scope and no close, the
 * results are dropped (bounded by the kernels' unscoped-results limit, {@code -Deapo4j.kernels.maxUnscopedBytes}).
 * Prints a sample every CALLS / 20 calls, then {@code SOAK start=... max=... end=... KiB}.
 */
public final class KernelSoakRun {
    private KernelSoakRun() {}

    public static void main(String[] args) throws IOException {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int v = args.length > 2 ? Integer.parseInt(args[2]) : 4000;
        String mode = args.length > 3 ? args[3] : "scoped";
        if (!mode.equals("scoped") && !mode.equals("unclosed"))
            throw new IllegalArgumentException("MODE must be scoped or unclosed, got " + mode);
        try (BenchInputs in = BenchInputs.create(n, v, "Float").withLossInputs()) {
            Runnable call = mode.equals("scoped") ? scoped(in) : unclosed(in);
            for (int i = 0; i < 1000; i++) call.run();   // warm-up: JIT, allocator arenas, thread pool
            long start = residentKiB(), max = start;
            int every = Math.max(1, calls / 20);
            long t0 = System.nanoTime();
            for (int i = 1; i <= calls; i++) {
                call.run();
                if (i % 1000 == 0 || i == calls) max = Math.max(max, residentKiB());
                if (i % every == 0)
                    System.out.printf(Locale.ROOT, "after %,d calls: RSS %,d KiB%n", i, residentKiB());
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            long end = residentKiB();
            System.out.printf(Locale.ROOT, "SOAK mode=%s calls=%d N=%d V=%d start=%d max=%d end=%d KiB (%+d KiB max, "
                    + "%+d KiB end) in %.1f s, %d unscoped results%n", mode, calls, n, v, start, max, end, max - start,
                    end - start, seconds, KernelScope.unscopedResults());
        }
    }

    /** Even calls tokenStats, odd calls policyLoss, each inside its own scope. */
    private static Runnable scoped(BenchInputs in) {
        int[] i = {0};
        return () -> {
            try (KernelScope scope = new KernelScope()) {
                if ((i[0]++ & 1) == 0) check(FusedKernels.tokenStats(in.logits, in.targets, BenchInputs.TEMPERATURE));
                else check(FusedKernels.policyLoss(in.logits, in.targets, in.loss, BenchInputs.LOSS));
            }
        };
    }

    /** The same calls with their results dropped unclosed. */
    private static Runnable unclosed(BenchInputs in) {
        int[] i = {0};
        return () -> {
            if ((i[0]++ & 1) == 0) check(FusedKernels.tokenStats(in.logits, in.targets, BenchInputs.TEMPERATURE));
            else check(FusedKernels.policyLoss(in.logits, in.targets, in.loss, BenchInputs.LOSS));
        };
    }

    private static void check(TokenStats st) {
        if (st.logProbs().numel() == 0) throw new AssertionError("empty token statistics");
    }

    private static void check(PolicyLossResult r) {
        if (!Double.isFinite(r.loss())) throw new AssertionError("loss not finite: " + r.loss());
    }

    static long residentKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status")))
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
