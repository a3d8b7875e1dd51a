package org.eapo4j.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.eapo4j.kernels.FusedLinearHead;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link FusedLinearHeadBenchmark} (JMH, single-shot calls in a worker JVM) and
 * {@link FusedLinearHeadMemoryProbe} (one JVM per dtype), and writes the "Fused linear head" section of
 * docs/BENCHMARKS.md between its markers, leaving the rest of the document alone ({@link BenchmarkReport} keeps
 * the section when it regenerates the document). Run with {@code benchmarks/run-fused-head.sh} (about 10 minutes on
 * 2 cores). Options: {@code --shape 1024x896x151936 --dtypes Float,BFloat16 --threads 2 --measure 3 (rounds) --out path
 * --no-memory}.
 */
public final class FusedLinearHeadReport {
    static final String BEGIN = "<!-- BEGIN fused-linear-head (benchmarks/run-fused-head.sh) -->";
    static final String END = "<!-- END fused-linear-head -->";
    static final String COMMAND = "benchmarks/run-fused-head.sh";
    static final List<String> METHODS = List.of("fusedHead", "fullLogitsOurs", "libtorchAutograd");

    private int n = 1024, d = 896, v = 151936, threads = 2, measure = 3;
    private List<String> dtypes = List.of("Float", "BFloat16");
    private Path out = Path.of("docs/BENCHMARKS.md");
    private boolean memory = true;
    private final Map<String, List<Double>> calls = new HashMap<>();
    private final Map<String, BenchmarkReport.Score> scores = new HashMap<>();
    private final Map<String, BenchmarkReport.Mem> mems = new HashMap<>();
    private final List<String> failures = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--worker")) {
            worker(args);
            return;
        }
        FusedLinearHeadReport r = new FusedLinearHeadReport();
        r.parse(args);
        r.run();
    }

    private void parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--shape" -> {
                    String[] p = args[++i].split("x");
                    n = Integer.parseInt(p[0]);
                    d = Integer.parseInt(p[1]);
                    v = Integer.parseInt(p[2]);
                }
                case "--dtypes" -> dtypes = List.of(args[++i].split(","));
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--measure" -> measure = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--no-memory" -> memory = false;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
    }

    private void run() throws Exception {
        Instant start = Instant.now();
        String load0 = load();
        runWorker();
        if (memory) for (String dt : dtypes) probe(dt);
        Duration took = Duration.between(start, Instant.now());
        String section = render(start, took, load0, load());
        String doc = Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, splice(doc, section), StandardCharsets.UTF_8);
        System.out.println("wrote the fused-head section of " + out.toAbsolutePath() + " in " + took.toSeconds() + " s");
    }

    /** The document with its fused-head section replaced by {@code section}, or appended when it has none. */
    static String splice(String doc, String section) {
        int b = doc.indexOf(BEGIN), e = doc.indexOf(END);
        if (b >= 0 && e > b) return doc.substring(0, b) + section + doc.substring(e + END.length());
        return doc + (doc.isEmpty() || doc.endsWith("\n\n") ? "" : doc.endsWith("\n") ? "\n" : "\n\n") + section + "\n";
    }

    /** The fused-head section of a document (markers included), or "" when it has none. */
    static String section(String doc) {
        int b = doc.indexOf(BEGIN), e = doc.indexOf(END);
        return b >= 0 && e > b ? doc.substring(b, e + END.length()) : "";
    }

    private void runWorker() throws IOException, InterruptedException {
        List<String> cmd = List.of(javaBin(), "-Xss4m", BenchmarkReport.NO_JAVACPP_LIMIT, "-cp",
                System.getProperty("java.class.path"), FusedLinearHeadReport.class.getName(), "--worker",
                String.valueOf(n), String.valueOf(d), String.valueOf(v), String.join(",", dtypes),
                String.valueOf(threads), String.valueOf(measure));
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (BufferedReader br = new BufferedReader(new InputStreamReader(proc.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = br.readLine()) != null) {
                System.out.println(line);
                if (!line.startsWith("JMHRESULT ")) continue;
                String[] f = line.split(" ");
                calls.computeIfAbsent(f[1] + "|" + f[2], k -> new ArrayList<>()).add(Double.parseDouble(f[3]));
            }
        }
        for (Map.Entry<String, List<Double>> e : calls.entrySet()) {
            List<Double> c = new ArrayList<>(e.getValue());
            java.util.Collections.sort(c);
            int k = c.size();
            double median = k % 2 == 1 ? c.get(k / 2) : (c.get(k / 2 - 1) + c.get(k / 2)) / 2;
            scores.put(e.getKey(), new BenchmarkReport.Score(median, c.get(0), c.get(k - 1), k));
        }
        if (proc.waitFor() != 0) failures.add("the JMH worker exited with " + proc.exitValue());
        for (String dt : dtypes)
            for (String m : METHODS)
                if (!scores.containsKey(m + "|" + dt))
                    failures.add(m + " " + BenchmarkReport.dtypeName(dt) + ": no time (the JMH log says why)");
    }

    /**
     * Worker: {@code --worker N D V DTYPES THREADS ROUNDS}; JMH in-process. Each round runs every side once (one
     * single-shot call per trial), so the sides alternate every few seconds instead of one side taking all its calls
     * while the shared machine's load is high and the next side all its calls when it is low. The agreement check
     * runs in the first round only.
     */
    private static void worker(String[] a) throws RunnerException {
        int rounds = Integer.parseInt(a[6]);
        for (int round = 0; round < rounds; round++) {
            System.setProperty(FusedLinearHeadBenchmark.CHECK_PROPERTY, String.valueOf(round == 0));
            OptionsBuilder o = new OptionsBuilder();
            o.include("^" + FusedLinearHeadBenchmark.class.getName().replace(".", "\\.") + "\\.")
                    .param("n", a[1]).param("d", a[2]).param("v", a[3]).param("dtype", a[4].split(","))
                    .param("threads", a[5]).mode(Mode.SingleShotTime).timeUnit(TimeUnit.MILLISECONDS).forks(0)
                    .warmupIterations(0).measurementIterations(1).shouldFailOnError(false);
            for (RunResult r : new Runner(o.build()).run()) {
                String b = r.getParams().getBenchmark();
                System.out.println("JMHRESULT " + b.substring(b.lastIndexOf('.') + 1) + " "
                        + r.getParams().getParam("dtype") + " " + r.getPrimaryResult().getScore());
            }
        }
    }

    private void probe(String dtype) throws IOException, InterruptedException {
        List<String> cmd = List.of(javaBin(), "-XX:TieredStopAtLevel=1", "-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch",
                BenchmarkReport.NO_JAVACPP_LIMIT, "-cp", System.getProperty("java.class.path"),
                FusedLinearHeadMemoryProbe.class.getName(), String.valueOf(n), String.valueOf(d), String.valueOf(v),
                dtype, String.valueOf(threads));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("MALLOC_MMAP_THRESHOLD_", "131072");
        Process proc = pb.start();
        try (BufferedReader br = new BufferedReader(new InputStreamReader(proc.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = br.readLine()) != null) {
                System.out.println(line);
                if (!line.startsWith("MEMPROBE ")) continue;
                String[] f = line.split(" ", 4);
                mems.put(f[1] + "|" + dtype, f[2].equals("SKIP") ? new BenchmarkReport.Mem(0, 0, f[3])
                        : new BenchmarkReport.Mem(Long.parseLong(f[2]), Long.parseLong(f[3]), null));
            }
        }
        if (proc.waitFor() != 0) failures.add("memory probe " + BenchmarkReport.dtypeName(dtype) + " exited with "
                + proc.exitValue());
    }

    // ---- rendering ----

    private String render(Instant start, Duration took, String load0, String load1) {
        StringBuilder sb = new StringBuilder(BEGIN).append('\n');
        sb.append("## Fused linear head: loss forward + backward from hidden states (N = ").append(n).append(", D = ")
                .append(d).append(", V = ").append(v).append(", ").append(threads).append(" threads)\n\n");
        sb.append("Generated by `").append(COMMAND).append("` (about 10 minutes on 2 cores), which rewrites only this "
                + "section. Run ").append(DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(start.atOffset(ZoneOffset.UTC)
                .withNano(0))).append(" UTC, ").append(took.toSeconds()).append(" s, load average ").append(load0)
                .append(" at start, ").append(load1).append(" at end.\n\n");
        sb.append("One call = logits of the head, the clipped surrogate with entropy bonus (the loss config of the "
                + "tables above), and the backward pass into dL/dH and dL/dW (both leaves, gradients dropped before "
                + "every call, untimed). Sides: **fused head** = `FusedLinearHead.policyLoss` (chunks of the default "
                + "256 MiB logits budget, ").append(rowsPerChunk("Float")).append(" rows in fp32, ")
                .append(rowsPerChunk("BFloat16")).append(" in bf16; bf16 dL/dW accumulated in fp32); **full logits + "
                + "ours** = `H.mm(W.t())` in autograd, `FusedKernels.policyLoss` with the gradient in place, "
                + "`logits.backward(grad)`; **LibTorch autograd** = `H.mm(W.t())` and the LibTorch composite, "
                + "`loss.backward()`. Times: JMH single-shot calls, median [min-max] of ").append(measure)
                .append(" rounds; each round runs every side once (fresh inputs per trial), so the sides alternate "
                + "instead of one side taking all its calls while the shared machine is busy (the fused side's "
                + "set-up in the first round also checks its loss and gradients against the full-logits side). "
                + "Memory: `FusedLinearHeadMemoryProbe`, measured as in the "
                + "memory tables above; **extra** = peak RSS added by the call minus its outputs (dL/dW and dL/dH in "
                + "the head's dtype, ").append(mb(gradBytes("Float"))).append(" MB in fp32, ")
                .append(mb(gradBytes("BFloat16"))).append(" MB in bf16, and the [N] results); NV = one [N, V] "
                + "logits tensor of the dtype.\n\n");
        sb.append("| dtype | side | ms per call | vs full logits + ours | peak extra MB | extra / NV |\n"
                + "|---|---|---|---|---|---|\n");
        String[][] sides = {{"fusedHead", "fusedHead", "fused head"},
                {null, "fusedHead.ownDtypeWeightGrad", "fused head, dL/dW accumulated in bf16"},
                {"fullLogitsOurs", "fullLogitsOurs", "full logits + ours"},
                {"libtorchAutograd", "libtorchAutograd", "LibTorch autograd"}};
        for (String dt : dtypes) {
            BenchmarkReport.Score base = scores.get("fullLogitsOurs|" + dt);
            for (String[] s : sides) {
                BenchmarkReport.Mem m = mems.get(s[1] + "|" + dt);
                if (s[0] == null && (m == null || m.skip() != null)) continue;
                BenchmarkReport.Score sc = s[0] == null ? null : scores.get(s[0] + "|" + dt);
                sb.append("| ").append(BenchmarkReport.dtypeName(dt)).append(" | ").append(s[2]).append(" | ")
                        .append(s[0] == null ? "not timed" : time(sc)).append(" | ")
                        .append(sc == null || base == null ? "" : fmt(sc.ms() / base.ms(), 2) + "x").append(" | ")
                        .append(m == null ? "not measured" : m.skip() != null ? "skipped: " + m.skip()
                                : mb(m.peakDelta() - m.outputs())).append(" | ")
                        .append(m == null || m.skip() != null ? "" : fmt((double) (m.peakDelta() - m.outputs())
                                / logitsBytes(dt), 2)).append(" |\n");
            }
        }
        sb.append("\n| goal | dtype | measured | met? |\n|---|---|---|---|\n");
        for (String dt : dtypes) {
            BenchmarkReport.Score f = scores.get("fusedHead|" + dt), b = scores.get("fullLogitsOurs|" + dt);
            String r = f == null || b == null ? null : fmt(f.ms() / b.ms(), 2) + "x (medians; fastest calls: "
                    + fmt(f.min() / b.min(), 2) + "x)";
            sb.append("| time within 1.2x of full logits + ours | ").append(BenchmarkReport.dtypeName(dt)).append(" | ")
                    .append(r == null ? "not measured" : r).append(" | ")
                    .append(r == null ? "n/a" : f.ms() / b.ms() <= 1.2 ? "yes" : "no").append(" |\n");
            BenchmarkReport.Mem m = mems.get("fusedHead|" + dt);
            long chunkBytes = (long) rowsPerChunk(dt) * v * (dt.equals("Float") ? 4 : 2);
            sb.append("| peak extra at most one chunk of logits (").append(mb(chunkBytes)).append(" MB) + the "
                    + "outputs | ").append(BenchmarkReport.dtypeName(dt)).append(" | ");
            if (m == null || m.skip() != null) sb.append("not measured | n/a |\n");
            else {
                long extra = m.peakDelta() - m.outputs();
                sb.append(mb(extra)).append(" MB (").append(fmt((double) extra / logitsBytes(dt), 2)).append(" NV) | ")
                        .append(extra <= chunkBytes * 1.1 ? "yes" : "no").append(" |\n");
            }
        }
        sb.append('\n');
        long acc = (long) v * d * 4;
        sb.append("- Where the memory goes: the fused head holds one [chunk, V] buffer, reused by every chunk, and "
                + "nothing else of size [N, V]. A bf16 head whose dL/dW is accumulated in fp32 over more than one "
                + "chunk also holds the [V, D] fp32 accumulator (").append(mb(acc)).append(" MB here) until it is "
                + "rounded into the gradient; `FusedLinearHead.Options.withFp32WeightGrad(false)` accumulates in "
                + "bf16 instead (one rounding per chunk) and needs only the chunk. The full-logits side holds the "
                + "[N, V] logits (its gradient overwrites them); LibTorch autograd holds the logits and the "
                + "composite's [N, V] temporaries.\n");
        sb.append("- Where the time goes: all sides do the same three matmuls (logits, dL/dH, dL/dW; ")
                .append(fmt(6.0 * n * d * v / 1e9, 0)).append(" GFLOP), which dominate at D = ").append(d)
                .append("; the fused head does them per chunk (and adds each chunk's dL/dW into the accumulator). "
                + "The machine is shared: compare the load averages above, and read a ratio as the median of "
                + "calls taken minutes apart on a machine whose other jobs come and go.\n\n");
        if (!failures.isEmpty()) {
            for (String s : failures) sb.append("- Failed: ").append(s).append('\n');
            sb.append('\n');
        }
        return sb.append(END).toString();
    }

    private long rowsPerChunk(String dt) {
        long e = dt.equals("Float") ? 4 : 2;
        return Math.min(n, Math.max(1, FusedLinearHead.DEFAULT_CHUNK_BYTES / (v * e)));
    }

    private long gradBytes(String dt) {
        return ((long) v * d + (long) n * d) * (dt.equals("Float") ? 4 : 2);
    }

    private long logitsBytes(String dt) {
        return (long) n * v * (dt.equals("Float") ? 4 : 2);
    }

    private static String time(BenchmarkReport.Score s) {
        if (s == null) return "not measured";
        return s.count() > 1 ? fmt(s.ms(), 0) + " [" + fmt(s.min(), 0) + "-" + fmt(s.max(), 0) + "]" : fmt(s.ms(), 0);
    }

    private static String mb(long bytes) {
        return fmt(bytes / 1e6, 0);
    }

    private static String fmt(double x, int digits) {
        return String.format(Locale.ROOT, "%." + digits + "f", x);
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim().split(" ")[0];
        } catch (IOException e) {
            return "n/a";
        }
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
