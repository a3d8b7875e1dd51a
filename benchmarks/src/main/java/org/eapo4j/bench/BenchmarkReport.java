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

import org.eapo4j.kernels.FusedKernels;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.util.Version;

/**
 * Runs the benchmark suite through JMH's Java API, then the memory probes, and writes docs/BENCHMARKS.md.
 * Run it with {@code benchmarks/run.sh} (about 20-25 minutes on 2 cores). Options, for development runs:
 * {@code --shapes 512x32000,4096x32000 --dtypes Float --threads 2 --out path --no-memory}.
 *
 * <p>Every figure in the report is a ratio against a baseline measured in the same run: LibTorch on identical inputs
 * with the same thread count, and the roofline on the same data.
 */
public final class BenchmarkReport {
    static final String COMMAND = "benchmarks/run.sh";
    static final String MVN_COMMAND = "mvn -q -B -DskipTests -pl benchmarks -am package dependency:build-classpath, "
            + "then java org.eapo4j.bench.BenchmarkReport on that class path";
    static final String OURS = "^org\\.eapo4j\\.bench\\.(TokenStatsBenchmark\\.ours|PolicyLossBenchmark\\.ours\\w+"
            + "|RooflineBenchmark\\.\\w+)$";
    static final String LIBTORCH = "^org\\.eapo4j\\.bench\\.(TokenStatsBenchmark\\.libtorch"
            + "|PolicyLossBenchmark\\.libtorchAutograd)$";
    /** JavaCPP caps native memory at a multiple of the Java heap by default; the big shapes need more. */
    static final String NO_JAVACPP_LIMIT = "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0";
    /** The shape, dtype and thread count of the targets. */
    static final Config TARGET = new Config(4096, 32000, "Float", 2);

    record Shape(int n, int v) {
        long elements() {
            return (long) n * v;
        }

        @Override
        public String toString() {
            return n + "x" + v;
        }
    }

    record Config(int n, int v, String dtype, int threads) {}

    /** Median, min and max of the measured calls, in ms. */
    record Score(double ms, double min, double max, int count) {}

    /** Memory of one side: peak RSS added by one call, and the bytes of its outputs; or a skip reason. */
    record Mem(long peakDelta, long outputs, String skip) {}

    /** JMH iteration counts of one group of runs. */
    record Plan(String group, Shape shape, int warmup, int measure, List<String> threads, String note) {}

    private final List<Shape> shapes = new ArrayList<>();
    private List<String> dtypes = List.of("Float", "BFloat16");
    private List<String> threads = List.of("1", "2");
    private Path out = Path.of("docs/BENCHMARKS.md");
    private boolean memory = true;

    private final Map<String, Score> scores = new HashMap<>();
    private final Map<String, Mem> mems = new HashMap<>();
    private final List<Plan> plans = new ArrayList<>();
    private final Map<Plan, String> planLoad = new HashMap<>();
    private final List<String> skipped = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--worker")) {
            worker(args);
            return;
        }
        BenchmarkReport r = new BenchmarkReport();
        r.parse(args);
        r.run();
    }

    private void parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--shapes" -> {
                    for (String s : args[++i].split(",")) {
                        String[] p = s.split("x");
                        shapes.add(new Shape(Integer.parseInt(p[0]), Integer.parseInt(p[1])));
                    }
                }
                case "--dtypes" -> dtypes = List.of(args[++i].split(","));
                case "--threads" -> threads = List.of(args[++i].split(","));
                case "--out" -> out = Path.of(args[++i]);
                case "--no-memory" -> memory = false;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (shapes.isEmpty())
            shapes.addAll(List.of(new Shape(512, 32000), new Shape(512, 151936), new Shape(4096, 32000),
                    new Shape(4096, 151936)));
    }

    private void run() throws Exception {
        Instant start = Instant.now();
        String loadStart = loadAverage();
        for (Shape s : shapes) {
            long e = s.elements();
            // Short runs: each call is one JMH single-shot iteration; bigger shapes get fewer of them (see the report).
            plans.add(new Plan("ours", s, e <= 20_000_000L ? 3 : e <= 150_000_000L ? 1 : 0,
                    e <= 20_000_000L ? 8 : e <= 150_000_000L ? 3 : 2, threads, ""));
            if (e > 150_000_000L) {
                List<String> t = threads.contains("2") ? List.of("2") : threads;
                if (t.size() < threads.size())
                    skipped.add("LibTorch at " + s + " with 1 thread: one autograd call takes about a minute and more on "
                            + "this machine; the 1-thread ratios are measured at the three smaller shapes.");
                plans.add(new Plan("libtorch", s, 0, 1, t, "one measured call, no warm-up (each call allocates and "
                        + "page-faults all its temporaries anyway, so a first call is a steady-state call)"));
            } else {
                plans.add(new Plan("libtorch", s, e <= 20_000_000L ? 1 : 0, e <= 20_000_000L ? 3 : 2, threads, ""));
            }
        }
        for (Plan p : plans) runPlan(p);
        if (memory) {
            for (Shape s : shapes)
                for (String dt : dtypes) probeMemory(new Config(s.n(), s.v(), dt, 2));
        }
        String loadEnd = loadAverage();
        Duration took = Duration.between(start, Instant.now());
        Files.createDirectories(out.toAbsolutePath().getParent());
        // The fused-head and loss-variant sections have their own commands: keep them as they were.
        String before = Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
        String kept = FusedLinearHeadReport.section(before);
        String variants = LossVariantsSection.section(before);
        String doc = render(start, took, loadStart, loadEnd);
        if (!kept.isEmpty()) doc = FusedLinearHeadReport.splice(doc, kept);
        if (!variants.isEmpty()) doc = LossVariantsSection.splice(doc, variants);
        Files.writeString(out, doc, StandardCharsets.UTF_8);
        System.out.println("wrote " + out.toAbsolutePath() + " in " + took.toMinutes() + " min");
    }

    /**
     * Runs one plan (one shape, one group) in a fresh worker JVM, where JMH runs its trials in-process: one JVM per
     * shape and group instead of one per benchmark and parameter set (128 JVM starts of several seconds each on this
     * machine would eat most of the time budget). The worker prints one JMHRESULT line per result.
     */
    private void runPlan(Plan p) throws IOException, InterruptedException {
        List<String> dts = new ArrayList<>(dtypes);
        java.util.Set<String> skippedKeys = new java.util.HashSet<>();
        List<String> cmd = List.of(javaBin(), "-Xss4m", NO_JAVACPP_LIMIT, "-cp", System.getProperty("java.class.path"),
                BenchmarkReport.class.getName(), "--worker", p.group(), String.valueOf(p.shape().n()),
                String.valueOf(p.shape().v()), String.valueOf(p.warmup()), String.valueOf(p.measure()),
                String.join(",", dts), String.join(",", p.threads()));
        System.out.println("# worker " + p + " dtypes " + dts);
        String load0 = loadAverage().split(",")[0];
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (BufferedReader br = new BufferedReader(new InputStreamReader(proc.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = br.readLine()) != null) {
                System.out.println(line);
                if (line.contains("BENCHSKIP ")) {  // JMH may print it after "Iteration   1: "
                    String[] f = line.substring(line.indexOf("BENCHSKIP ")).split(" ", 7);
                    Config c = new Config(Integer.parseInt(f[2]), Integer.parseInt(f[3]), f[4], Integer.parseInt(f[5]));
                    skippedKeys.add(key(f[1], c));
                    skipped.add(f[1] + " " + describe(c) + ": " + f[6] + ".");
                }
                if (!line.startsWith("JMHRESULT ")) continue;
                String[] f = line.split(" ");
                Config c = new Config(Integer.parseInt(f[2]), Integer.parseInt(f[3]), f[4], Integer.parseInt(f[5]));
                scores.put(key(f[1], c), new Score(Double.parseDouble(f[6]), Double.parseDouble(f[7]),
                        Double.parseDouble(f[8]), Integer.parseInt(f[9])));
            }
        }
        int rc = proc.waitFor();
        planLoad.put(p, load0 + " / " + loadAverage().split(",")[0]);
        if (rc != 0) failures.add("worker " + p.group() + " " + p.shape() + " exited with " + rc);
        for (String dt : dts)
            for (String t : p.threads())
                for (String m : methods(p.group())) {
                    Config c = new Config(p.shape().n(), p.shape().v(), dt, Integer.parseInt(t));
                    if (!scores.containsKey(key(m, c)) && !skippedKeys.contains(key(m, c)))
                        failures.add(m + " " + describe(c) + ": no result (the JMH log says why)");
                }
    }

    /** Worker mode: {@code --worker GROUP N V WARMUP MEASURE DTYPES THREADS}; JMH in-process (forks 0). */
    private static void worker(String[] a) throws RunnerException {
        ChainedOptionsBuilder o = new OptionsBuilder()
                .include(a[1].equals("ours") ? OURS : LIBTORCH)
                .param("n", a[2])
                .param("v", a[3])
                .param("dtype", a[6].split(","))
                .param("threads", a[7].split(","))
                .mode(Mode.SingleShotTime)
                .timeUnit(TimeUnit.MILLISECONDS)
                .forks(0)
                .warmupIterations(Integer.parseInt(a[4]))
                .measurementIterations(Integer.parseInt(a[5]))
                .shouldFailOnError(false);
        for (RunResult r : new Runner(o.build()).run()) {
            var bp = r.getParams();
            String b = bp.getBenchmark();
            String name = b.substring(b.lastIndexOf('.', b.lastIndexOf('.') - 1) + 1);
            var res = r.getPrimaryResult();
            // The median, not the mean: on a shared machine one call in a few can be stalled by other jobs.
            var st = res.getStatistics();
            System.out.println("JMHRESULT " + name + " " + bp.getParam("n") + " " + bp.getParam("v") + " "
                    + bp.getParam("dtype") + " " + bp.getParam("threads") + " " + st.getPercentile(50) + " "
                    + st.getMin() + " " + st.getMax() + " " + st.getN());
        }
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static List<String> methods(String group) {
        return group.equals("ours")
                ? List.of("TokenStatsBenchmark.ours", "PolicyLossBenchmark.oursFreshGrad",
                        "PolicyLossBenchmark.oursReusedBuffer", "PolicyLossBenchmark.oursInPlace",
                        "RooflineBenchmark.readOnce", "RooflineBenchmark.readWrite", "RooflineBenchmark.readWriteFresh")
                : List.of("TokenStatsBenchmark.libtorch", "PolicyLossBenchmark.libtorchAutograd");
    }

    private void probeMemory(Config c) throws IOException, InterruptedException {
        List<String> cmd = List.of(javaBin(), "-XX:TieredStopAtLevel=1", "-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch",
                NO_JAVACPP_LIMIT,
                "-cp", System.getProperty("java.class.path"), MemoryProbe.class.getName(),
                String.valueOf(c.n()), String.valueOf(c.v()), c.dtype(), String.valueOf(c.threads()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("MALLOC_MMAP_THRESHOLD_", "131072");
        System.out.println("# memory probe " + describe(c));
        Process proc = pb.start();
        try (BufferedReader br = new BufferedReader(new InputStreamReader(proc.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = br.readLine()) != null) {
                System.out.println(line);
                if (!line.startsWith("MEMPROBE ")) continue;
                String[] f = line.split(" ", 4);
                if (f[2].equals("SKIP")) mems.put(key(f[1], c), new Mem(0, 0, f[3]));
                else mems.put(key(f[1], c), new Mem(Long.parseLong(f[2]), Long.parseLong(f[3]), null));
            }
        }
        int rc = proc.waitFor();
        if (rc != 0) failures.add("memory probe " + describe(c) + " exited with " + rc);
    }

    static String key(String side, Config c) {
        return side + "|" + c.n() + "|" + c.v() + "|" + c.dtype() + "|" + c.threads();
    }

    static String describe(Config c) {
        return "N=" + c.n() + " V=" + c.v() + " " + dtypeName(c.dtype()) + " threads=" + c.threads();
    }

    static String dtypeName(String d) {
        return d.equals("Float") ? "fp32" : d.equals("BFloat16") ? "bf16" : d;
    }

    // ---- rendering ----

    private String render(Instant start, Duration took, String loadStart, String loadEnd) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Benchmarks: fused kernels vs LibTorch on the CPU\n\n");
        sb.append("Generated by `").append(COMMAND).append("` (which runs `").append(MVN_COMMAND)
                .append("`; the suite takes about 20-25 minutes on 2 cores). Do not edit by hand: rerun it.\n\n");
        sb.append("- Run: ").append(DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(start.atOffset(ZoneOffset.UTC)
                .withNano(0))).append(" UTC, ").append(took.toMinutes()).append(" min, commit `").append(gitCommit())
                .append("`\n");
        sb.append("- Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
                .append(cpuModel()).append(", ").append(gb(memTotal())).append(" GB RAM; SIMD level of our kernels: `")
                .append(FusedKernels.cpuSimdLevel()).append("`\n");
        sb.append("- Load average (1, 5, 15 min) at start: ").append(loadStart).append("; at end: ").append(loadEnd)
                .append(". The machine is shared (other builds and tests run on the same cores), so absolute times "
                        + "are noisy: read the ratios, each taken against a baseline measured in the same run.\n");
        sb.append("- Software: Java ").append(System.getProperty("java.version")).append(", JMH ")
                .append(Version.getPlainVersion()).append(", LibTorch ").append(torchVersion())
                .append(" (CPU build, OpenMP), our kernels from native/ built by CMake with -O3.\n\n");

        sb.append("## Method\n\n");
        sb.append("- Inputs: logits ~ Normal(0, 2) of shape [N, V] in the benchmarked dtype, uniform targets, "
                + "old log-probs that put about half of the tokens outside the clip range (both sides), advantages of "
                + "both signs, sample weights 0.7 / 1, token-mean coefficients 1/N; clip 0.2 / 0.28, entropy bonus "
                + "0.01, temperature 1, no KL, no dual clip. Identical for both sides (LibTorch RNG, fixed seed).\n");
        sb.append("- LibTorch baseline (`benchmarks/src/main/java/org/eapo4j/bench/TorchComposite.java`), in the logits' dtype: "
                + "token statistics = `z / tau`, `log_softmax`, `gather`, `softmax`, multiply, `sum` (no autograd); "
                + "policy loss = the same composite plus ratio, clip, max, entropy bonus and weighted sum in fp32, "
                + "then `backward()`, gradient w.r.t. the logits.\n");
        sb.append("- Ours: `FusedKernels.tokenStats` and `FusedKernels.policyLoss` in three gradient modes: "
                + "**fresh** (a new [N, V] gradient per call), **reused** (the gradBuffer overload, a resident "
                + "buffer), **in place** (the gradient overwrites the logits; the logits are restored from a pristine "
                + "copy before every call, outside the timed region).\n");
        sb.append("- Same thread count on both sides: `FusedKernels.setNumThreads(t)` and `torch.set_num_threads(t)`.\n");
        sb.append("- Sanity check: every trial's set-up runs the benchmarked call once and compares its first and "
                + "last 16 rows with the LibTorch composite on the same logit values in fp32 (bf16 logits upcast: the "
                + "bf16 composite itself rounds its log-probs to bf16 and is several % off in the gradient at V = "
                + "151936); a disagreement fails the benchmark, so no wrong kernel is ever timed.\n");
        sb.append("- Roofline, on the same data and thread count: **read once** = LibTorch `sum` over the logits "
                + "(the floor of token statistics, which read the logits once); **read + write** = `copy_` of the "
                + "logits into a resident buffer (the floor of the policy loss, which reads the logits and writes a "
                + "gradient of the same size). Fraction of roofline = roofline time / our time (1 = at the roofline).\n");
        sb.append("- Memory: peak resident memory added by one call, measured in a separate JVM per shape and dtype "
                + "(`MemoryProbe`, 2 threads): inputs built first and resident, VmHWM reset to the current RSS "
                + "(`echo 5 > /proc/self/clear_refs`), one call, then VmHWM minus the RSS before the call. "
                + "**Extra** = that peak minus the bytes of the call's own outputs (the [N] results, plus the [N, V] "
                + "gradient where the call allocates one: fresh mode and autograd). Shown in MB and in units of one "
                + "[N, V] logits tensor (NV). glibc is told to return every freed block (MALLOC_MMAP_THRESHOLD_), the "
                + "JIT is limited to C1 and the heap is pre-touched so the JVM adds no noise; each side is warmed up "
                + "on a tiny shape first.\n");
        sb.append("- JMH: mode SingleShotTime (one call per iteration, after the trial's set-up), run through the "
                + "JMH Runner API in a fresh worker JVM per shape and group below (trials in-process, forks 0, so "
                + "JVM start-up and input generation are paid once per worker, not once per trial), "
                + "results in ms per call: the median of the measured calls, [min-max] where there are several; ratios are of "
                + "medians:\n\n");
        sb.append("| group | N x V | warm-up calls | measured calls | threads | 1-min load average at start / end "
                + "| note |\n|---|---|---|---|---|---|---|\n");
        for (Plan p : plans)
            sb.append("| ").append(p.group().equals("ours") ? "ours + roofline" : "LibTorch").append(" | ")
                    .append(p.shape()).append(" | ").append(p.warmup()).append(" | ").append(p.measure()).append(" | ")
                    .append(String.join(", ", p.threads())).append(" | ").append(planLoad.getOrDefault(p, "not run"))
                    .append(" | ").append(p.note()).append(" |\n");
        sb.append('\n');

        renderTargets(sb);
        renderTokenStats(sb);
        renderPolicyLoss(sb);

        sb.append("## Notes\n\n");
        sb.append("- Why token statistics sit below the read-once roofline: a profile of `TokenStatsBenchmark.ours` "
                + "(`perf record -e cpu-clock`, N = 512, V = 151936, fp32, 1 thread, 2026-11-27; hardware counters are "
                + "not exposed in this VM; a separate run, not regenerated by this command) puts ~30% of the kernel's "
                + "samples on the block load (the store right after each streaming load of a 1024-element block: "
                + "waiting for memory), ~55% in the exp-and-sum sweep (the loop-carried `vaddps` accumulator and the "
                + "`vblendvps` selects of `vexp`) and ~10% in the max sweep. Loading and arithmetic alternate block by "
                + "block with no prefetch of the next block, so memory idles during the arithmetic: the kernel is "
                + "compute-bound at ~3 GB/s per core, while a plain sum streams several times faster. That profile "
                + "is of the AVX2 path. On a CPU with AVX-512 (F, BW, DQ, VL, BF16) the kernels run an AVX-512 "
                + "build instead (native/src/simd_avx512.h): logits converted straight from the row (no block "
                + "buffer), software prefetch, four independent accumulators, no per-element max, exp as 2^y with "
                + "`vreduceps`/`vscalefps` (no blends), the policy loss reusing the exponentials of its statistics "
                + "sweep and streaming its gradient stores; it is bound by the exp arithmetic (see the section on "
                + "the AVX-512 path, written by hand).\n");
        sb.append("- Why LibTorch is this slow here: on this VM, first-touching fresh memory is expensive (compare "
                + "the last two columns of the policy-loss table: a copy into fresh memory costs several times a copy "
                + "into a resident buffer). Each LibTorch op of the composite writes a new [N, V] tensor, so most of "
                + "its time is page faults (a spot check at N = 4096, V = 32000, fp32, 1 thread, outside this run: "
                + "`div`, `log_softmax`, `softmax`, `mul` ~0.5-0.6 s each, a `clone` 0.42-0.48 s, `copy_` into a "
                + "resident buffer 0.09 s). Our kernels write nothing of size [N, V] except the gradient.\n");
        sb.append("- The suite runs with LibTorch's defaults. LibTorch's CPU allocator can ask for transparent huge "
                + "pages (`THP_MEM_ALLOC_ENABLE=1`; THP is in madvise mode on this machine), which makes fresh memory "
                + "~2.5x cheaper to touch (spot check as above: `clone` 0.50 -> 0.19 s, `div` 0.43 -> 0.14 s, "
                + "`log_softmax` 0.54 -> 0.31 s): with it, LibTorch would be markedly faster than here, and our "
                + "fresh-gradient mode too (it allocates through LibTorch).\n");
        sb.append("- 1 vs 2 threads: the second core is shared with other jobs (see the load averages), so 2 threads "
                + "are often no faster than 1, for both sides; read the 2-thread rows as a shared-machine figure.\n");
        sb.append("- In-place mode restores the logits before each call (untimed); the restore leaves the tail of the "
                + "logits in the last-level cache, which helps the smallest shape (65 MB in fp32) a little.\n");
        sb.append("- LibTorch runs its ops on an OpenMP pool; when the machine is oversubscribed (see the load "
                + "averages), its barriers stall more than our kernels' short-lived threads, which widens the ratios: "
                + "compare them with the load column.\n\n");
        sb.append("## Trainer step\n\n");
        sb.append("TODO(trainer): the step broken into rollout, old-policy pass and update, once the trainer "
                + "(written concurrently on another branch) is merged; no number until it is measured.\n\n");

        if (!skipped.isEmpty() || !failures.isEmpty()) {
            sb.append("## Skipped and failed\n\n");
            for (String s : skipped) sb.append("- Skipped: ").append(s).append('\n');
            for (String s : failures) sb.append("- Failed: ").append(s).append('\n');
            sb.append('\n');
        }
        return sb.toString();
    }

    private void renderTargets(StringBuilder sb) {
        Config t = TARGET;
        sb.append("## Targets (N = 4096, V = 32000, fp32, 2 threads)\n\n");
        Score ts = scores.get(key("TokenStatsBenchmark.ours", t));
        Score tsRef = scores.get(key("TokenStatsBenchmark.libtorch", t));
        Score r1 = scores.get(key("RooflineBenchmark.readOnce", t));
        Score fresh = scores.get(key("PolicyLossBenchmark.oursFreshGrad", t));
        Score reused = scores.get(key("PolicyLossBenchmark.oursReusedBuffer", t));
        Score inPlace = scores.get(key("PolicyLossBenchmark.oursInPlace", t));
        Score plRef = scores.get(key("PolicyLossBenchmark.libtorchAutograd", t));
        Mem freshMem = mems.get(key("policyLoss.oursFreshGrad", t));
        long nv = (long) t.n() * t.v() * 4;
        sb.append("| target | measured | met? |\n|---|---|---|\n");
        target(sb, "token statistics >= 10x faster than LibTorch", ratio(tsRef, ts), 10, "x");
        target(sb, "token statistics within 2x of the read-once roofline (fraction >= 0.5)", ratio(r1, ts), 0.5, "");
        target(sb, "policy loss, gradient in place, >= 10x faster than LibTorch autograd", ratio(plRef, inPlace), 10,
                "x");
        target(sb, "policy loss, reused gradient buffer, >= 10x faster than LibTorch autograd", ratio(plRef, reused), 10,
                "x");
        target(sb, "policy loss, fresh gradient, >= 3x faster than LibTorch autograd", ratio(plRef, fresh), 3, "x");
        if (freshMem == null || freshMem.skip() != null) {
            sb.append("| policy loss, fresh gradient, allocates at most one [N, V] buffer | not measured | n/a |\n");
        } else {
            double units = (double) freshMem.peakDelta() / nv;
            sb.append("| policy loss, fresh gradient, allocates at most one [N, V] buffer | peak +")
                    .append(fmt(units)).append(" NV (").append(mb(freshMem.peakDelta())).append(" MB) | ")
                    .append(units <= 1.01 ? "yes" : "**no**").append(" |\n");
        }
        sb.append('\n');
    }

    private static void target(StringBuilder sb, String what, double value, double goal, String unit) {
        sb.append("| ").append(what).append(" | ");
        if (Double.isNaN(value)) sb.append("not measured | n/a |\n");
        else sb.append(fmt(value)).append(unit).append(" | ").append(value >= goal ? "yes" : "**no**").append(" |\n");
    }

    private List<Config> configs() {
        List<Config> out = new ArrayList<>();
        for (Shape s : shapes)
            for (String dt : dtypes)
                for (String t : threads) out.add(new Config(s.n(), s.v(), dt, Integer.parseInt(t)));
        return out;
    }

    private void renderTokenStats(StringBuilder sb) {
        sb.append("## Token statistics (log p(y) and entropy)\n\n");
        sb.append("Speed-up = LibTorch time / our time. Roofline = read-once time / our time. Memory: extra = peak "
                + "added by one call minus its outputs (2 threads; see Method).\n\n");
        sb.append("| N | V | dtype | threads | ours ms | LibTorch ms | speed-up | read-once ms | fraction of roofline "
                + "| extra memory ours | extra memory LibTorch |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Config c : configs()) {
            Score ours = scores.get(key("TokenStatsBenchmark.ours", c));
            Score ref = scores.get(key("TokenStatsBenchmark.libtorch", c));
            Score r1 = scores.get(key("RooflineBenchmark.readOnce", c));
            sb.append("| ").append(c.n()).append(" | ").append(c.v()).append(" | ").append(dtypeName(c.dtype()))
                    .append(" | ").append(c.threads()).append(" | ").append(ms(ours)).append(" | ").append(ms(ref))
                    .append(" | ").append(x(ratio(ref, ours))).append(" | ").append(ms(r1)).append(" | ")
                    .append(fmtOr(ratio(r1, ours))).append(" | ").append(mem("tokenStats.ours", c)).append(" | ")
                    .append(mem("tokenStats.libtorch", c)).append(" |\n");
        }
        sb.append('\n');
    }

    private void renderPolicyLoss(StringBuilder sb) {
        sb.append("## Policy loss, forward + backward (gradient w.r.t. the logits)\n\n");
        sb.append("Time in ms with the speed-up over LibTorch autograd in parentheses. Roofline = read + write "
                + "time / our time, per mode (fresh / reused / in place). The last column is the same copy into a "
                + "freshly allocated tensor (`clone()`): its excess over read + write is what page-faulting one new "
                + "[N, V] buffer costs here, paid once per call by our fresh mode and once per temporary by LibTorch."
                + "\n\n");
        sb.append("| N | V | dtype | threads | LibTorch autograd ms | ours fresh | ours reused buffer | ours in place "
                + "| read + write ms | fraction of roofline | copy into fresh memory ms |\n"
                + "|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Config c : configs()) {
            Score ref = scores.get(key("PolicyLossBenchmark.libtorchAutograd", c));
            Score fresh = scores.get(key("PolicyLossBenchmark.oursFreshGrad", c));
            Score reused = scores.get(key("PolicyLossBenchmark.oursReusedBuffer", c));
            Score inPlace = scores.get(key("PolicyLossBenchmark.oursInPlace", c));
            Score rw = scores.get(key("RooflineBenchmark.readWrite", c));
            sb.append("| ").append(c.n()).append(" | ").append(c.v()).append(" | ").append(dtypeName(c.dtype()))
                    .append(" | ").append(c.threads()).append(" | ").append(ms(ref)).append(" | ")
                    .append(withRatio(fresh, ref)).append(" | ").append(withRatio(reused, ref)).append(" | ")
                    .append(withRatio(inPlace, ref)).append(" | ").append(ms(rw)).append(" | ")
                    .append(fmtOr(ratio(rw, fresh))).append(" / ").append(fmtOr(ratio(rw, reused))).append(" / ")
                    .append(fmtOr(ratio(rw, inPlace))).append(" | ")
                    .append(ms(scores.get(key("RooflineBenchmark.readWriteFresh", c)))).append(" |\n");
        }
        sb.append("\nMemory of one policy-loss call (2 threads): peak added, and extra beyond the call's outputs "
                + "(the fresh gradient and autograd's gradient are outputs).\n\n");
        sb.append("| N | V | dtype | LibTorch autograd peak | extra | ours fresh peak | extra | ours reused peak | "
                + "ours in place peak |\n|---|---|---|---|---|---|---|---|---|\n");
        for (Shape s : shapes)
            for (String dt : dtypes) {
                Config c = new Config(s.n(), s.v(), dt, 2);
                sb.append("| ").append(c.n()).append(" | ").append(c.v()).append(" | ").append(dtypeName(dt))
                        .append(" | ").append(peak("policyLoss.libtorchAutograd", c)).append(" | ")
                        .append(mem("policyLoss.libtorchAutograd", c)).append(" | ")
                        .append(peak("policyLoss.oursFreshGrad", c)).append(" | ")
                        .append(mem("policyLoss.oursFreshGrad", c)).append(" | ")
                        .append(peak("policyLoss.oursReusedBuffer", c)).append(" | ")
                        .append(peak("policyLoss.oursInPlace", c)).append(" |\n");
            }
        sb.append('\n');
    }

    /** Extra bytes (peak minus outputs), as MB and NV units; memory is probed at 2 threads only. */
    private String mem(String side, Config c) {
        Mem m = mems.get(key(side, new Config(c.n(), c.v(), c.dtype(), 2)));
        if (m == null) return "n/a";
        if (m.skip() != null) return "skipped: " + m.skip();
        long extra = Math.max(0, m.peakDelta() - m.outputs());
        return mb(extra) + " MB (" + fmt((double) extra / nvBytes(c)) + " NV)";
    }

    private String peak(String side, Config c) {
        Mem m = mems.get(key(side, c));
        if (m == null) return "n/a";
        if (m.skip() != null) return "skipped: " + m.skip();
        return mb(m.peakDelta()) + " MB (" + fmt((double) m.peakDelta() / nvBytes(c)) + " NV)";
    }

    private static long nvBytes(Config c) {
        return (long) c.n() * c.v() * (c.dtype().equals("Float") ? 4 : 2);
    }

    private static double ratio(Score num, Score den) {
        return num == null || den == null ? Double.NaN : num.ms() / den.ms();
    }

    /** The median, with the range of the measured calls when there are several. */
    private static String ms(Score s) {
        if (s == null) return "n/a";
        return s.count() < 2 ? sig(s.ms()) : sig(s.ms()) + " [" + sig(s.min()) + "-" + sig(s.max()) + "]";
    }

    private static String withRatio(Score s, Score ref) {
        if (s == null) return "n/a";
        double r = ratio(ref, s);
        return ms(s) + (Double.isNaN(r) ? "" : " (" + fmt(r) + "x)");
    }

    private static String x(double r) {
        return Double.isNaN(r) ? "n/a" : fmt(r) + "x";
    }

    private static String fmtOr(double v) {
        return Double.isNaN(v) ? "n/a" : fmt(v);
    }

    static String fmt(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v)
                : v >= 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    static String sig(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v)
                : v >= 10 ? String.format(Locale.ROOT, "%.1f", v)
                : v >= 1 ? String.format(Locale.ROOT, "%.2f", v) : String.format(Locale.ROOT, "%.3f", v);
    }

    static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / 1e6);
    }

    static String gb(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / 1e9);
    }

    // ---- machine ----

    private static String cpuModel() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo")))
                if (l.startsWith("model name")) return l.substring(l.indexOf(':') + 1).trim();
        } catch (IOException ignored) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    private static long memTotal() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo")))
                if (l.startsWith("MemTotal:")) return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
        } catch (IOException ignored) {
            // not Linux
        }
        return Runtime.getRuntime().maxMemory();
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + ", " + f[1] + ", " + f[2];
        } catch (IOException e) {
            return "n/a";
        }
    }

    private static String torchVersion() {
        String v = org.bytedeco.pytorch.global.torch.class.getPackage().getImplementationVersion();
        return "(JavaCPP presets org.bytedeco:pytorch " + (v == null ? "2.10.0-1.5.13" : v) + ")";
    }

    private static String gitCommit() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").redirectErrorStream(true).start();
            String head = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor();
            Process d = new ProcessBuilder("git", "status", "--porcelain", "--untracked-files=no")
                    .redirectErrorStream(true).start();
            String dirty = new String(d.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            d.waitFor();
            return head + (dirty.isEmpty() ? "" : " + uncommitted changes");
        } catch (IOException | InterruptedException e) {
            return "unknown";
        }
    }
}
