package org.eapo4j.parallel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * One process's place in a data-parallel run and the collectives the trainer needs, over LibTorch's c10d
 * ({@code TCPStore} rendezvous served by rank 0, {@code ProcessGroupGloo} for CPU tensors).
 *
 * <h2>The seam the trainer calls</h2>
 * <pre>{@code
 * try (DistContext dist = DistContext.fromEnvironment()) {     // torchrun variables; world size 1 without them
 *     dist.checkSameConfig(config.canonicalJson());             // refuse ranks started with different settings
 *     dist.broadcastParameters(model.parameters());             // every rank starts from rank 0's weights
 *     try (GradientSync sync = new GradientSync(dist, model.parameters())) {
 *         for (int step = 1; ...; step++) {
 *             GroupShard mine = GroupShard.contiguous(groupsPerStep, dist.worldSize(), dist.rank());
 *             // roll out only mine.groups(); each group g samples with GroupShard.forGroup(seed, step, g)
 *             // rewards and advantages are per group, so they need no communication
 *             long globalTokens = dist.allReduce(new long[]{localTokens}, Reduction.SUM)[0];
 *             // loss = sum over this rank's tokens / globalTokens (token-mean over the global batch)
 *             loss.backward();
 *             sync.sum();                                       // now every rank holds the global gradient
 *             opt.clipGradNorm(maxNorm); opt.step(lr);          // identical on every rank: parameters stay equal
 *             double[] m = dist.allReduce(new double[]{sumHMask, sumMask, rewardSum, n}, Reduction.SUM);
 *             double entropy = m[0] / m[1];                     // EAPO's H_t as a global mask-weighted mean
 *         }
 *     }
 * }
 * }</pre>
 * The rule that keeps N ranks equal to one process: every aggregate that one process would compute over the
 * whole batch is computed from all-reduced sums (never a mean of per-rank means), and randomness is a function of
 * (seed, step, group), never of the rank. Only rank 0 ({@link #isMaster()}) writes logs, plots and checkpoints.
 *
 * <h2>World size 1</h2>
 * {@link #single()} (or the environment without {@code WORLD_SIZE}) creates no store and no process group, and
 * loads no c10d class: every collective returns its input, and {@link GradientSync} only applies its multiplier.
 *
 * <h2>Timeouts and failures</h2>
 * The rendezvous and each collective are bounded by {@link DistEnv#timeout()} (default 60 s,
 * {@code EAPO4J_DIST_TIMEOUT_S}). A rank that dies or hangs makes the others throw a {@link DistException} that
 * names the collective and the ranks that did not answer a liveness check; this takes at most the timeout plus
 * min(2 s, timeout/4) (c10d's connection retry can stretch the very first connection to rank 0 to about twice the
 * timeout). After one the context is broken: later collectives throw at once.
 *
 * <h2>CUDA</h2>
 * This build has Gloo only, and refuses CUDA tensors with an {@link IllegalArgumentException}. With the GPU build of
 * the presets ({@code org.bytedeco:pytorch} classifier {@code linux-x86_64-gpu}, which links NCCL), CUDA tensors
 * would go through {@code org.bytedeco.pytorch.nccl.ProcessGroupNCCL(store, rank, worldSize, options)} built over the
 * same {@code TCPStore}, each rank on CUDA device {@link #localRank()}; {@code GlooGroup} is the one class to
 * mirror, selected by the device of the gradients. Gloo stays for CPU tensors (the scalars here).
 *
 * <p>Not thread safe: one thread issues the collectives, in the same order on every rank.
 */
public final class DistContext implements AutoCloseable {
    private final DistEnv env;
    private final GlooGroup group;      // null when worldSize == 1
    private long checks;                // same-value checks so far (their store keys are numbered)

    private DistContext(DistEnv env, GlooGroup group) {
        this.env = env;
        this.group = group;
    }

    /** Joins the run described by {@code env}: for world size &gt; 1 a rendezvous bounded by its timeout. */
    public static DistContext open(DistEnv env) {
        if (env == null) throw new IllegalArgumentException("env must not be null");
        return new DistContext(env, env.worldSize() == 1 ? null : new GlooGroup(env));
    }

    /** {@link #open} with {@link DistEnv#fromEnvironment()}. */
    public static DistContext fromEnvironment() {
        return open(DistEnv.fromEnvironment());
    }

    /** A single process: no c10d at all. */
    public static DistContext single() {
        return new DistContext(DistEnv.single(), null);
    }

    public DistEnv env() {
        return env;
    }

    public int rank() {
        return env.rank();
    }

    public int worldSize() {
        return env.worldSize();
    }

    public int localRank() {
        return env.localRank();
    }

    /** Rank 0, the one that writes logs and checkpoints. */
    public boolean isMaster() {
        return env.rank() == 0;
    }

    /** Whether there is a process group (world size &gt; 1). */
    public boolean isDistributed() {
        return group != null;
    }

    public Duration timeout() {
        return env.timeout();
    }

    /** The element-wise reduction of {@code values} over all ranks (same length on every rank); a new array. */
    public double[] allReduce(double[] values, Reduction op) {
        if (values == null) throw new IllegalArgumentException("values must not be null");
        if (op == null) throw new IllegalArgumentException("op must not be null");
        if (group == null || values.length == 0) return values.clone();
        try (Tensor t = doubles(values)) {
            group.allReduce(t, op, "all-reduce " + op + " of " + values.length + " doubles");
            return toDoubles(t, values.length);
        }
    }

    /** The element-wise reduction of {@code values} over all ranks (same length on every rank); a new array. */
    public long[] allReduce(long[] values, Reduction op) {
        if (values == null) throw new IllegalArgumentException("values must not be null");
        if (op == null) throw new IllegalArgumentException("op must not be null");
        if (group == null || values.length == 0) return values.clone();
        try (Tensor t = longs(values)) {
            group.allReduce(t, op, "all-reduce " + op + " of " + values.length + " longs");
            return toLongs(t, values.length);
        }
    }

    /**
     * sum(localWeightedSum) / sum(localWeight) over all ranks, e.g. a mask-weighted mean from sum(H*mask) and
     * sum(mask); NaN when the total weight is 0.
     */
    public double globalMean(double localWeightedSum, double localWeight) {
        double[] s = allReduce(new double[] {localWeightedSum, localWeight}, Reduction.SUM);
        return s[1] == 0 ? Double.NaN : s[0] / s[1];
    }

    /**
     * Every rank's {@code values} (lengths may differ), indexed by rank. Travels as a sum of disjoint rows, which
     * is exact except that -0.0 arrives as 0.0.
     */
    public double[][] allGather(double[] values) {
        if (values == null) throw new IllegalArgumentException("values must not be null");
        if (group == null) return new double[][] {values.clone()};
        long[] lengths = gatherLengths(values.length);
        int max = maxOf(lengths), w = env.worldSize();
        double[] flat = new double[w * max];      // disjoint rows summed: exact
        System.arraycopy(values, 0, flat, env.rank() * max, values.length);
        double[] all = allReduce(flat, Reduction.SUM);
        double[][] out = new double[w][];
        for (int r = 0; r < w; r++) out[r] = java.util.Arrays.copyOfRange(all, r * max, r * max + (int) lengths[r]);
        return out;
    }

    /** Every rank's {@code values} (lengths may differ), indexed by rank. */
    public long[][] allGather(long[] values) {
        if (values == null) throw new IllegalArgumentException("values must not be null");
        if (group == null) return new long[][] {values.clone()};
        long[] lengths = gatherLengths(values.length);
        int max = maxOf(lengths), w = env.worldSize();
        long[] flat = new long[w * max];
        System.arraycopy(values, 0, flat, env.rank() * max, values.length);
        long[] all = allReduce(flat, Reduction.SUM);
        long[][] out = new long[w][];
        for (int r = 0; r < w; r++) out[r] = java.util.Arrays.copyOfRange(all, r * max, r * max + (int) lengths[r]);
        return out;
    }

    private long[] gatherLengths(int n) {
        long[] l = new long[env.worldSize()];
        l[env.rank()] = n;
        return allReduce(l, Reduction.SUM);
    }

    private static int maxOf(long[] a) {
        long m = 0;
        for (long x : a) m = Math.max(m, x);
        return Math.toIntExact(m);
    }

    /**
     * Overwrites every tensor of {@code params} (in place, without autograd) with rank 0's values, so that every
     * rank starts identical. The list must hold tensors of the same shapes and dtypes in the same order on every
     * rank (checked). No-op for world size 1.
     */
    public void broadcastParameters(List<Tensor> params) {
        if (params == null) throw new IllegalArgumentException("params must not be null");
        List<String> layout = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            if (p == null || !p.defined()) throw new IllegalArgumentException("params[" + i + "] is undefined");
            requireCpu(p, "params[" + i + "]");
            layout.add(GradientSync.describe(p));
        }
        if (group == null) return;
        checkSame("parameter layout", String.join("\n", layout));
        try (NoGradGuard ng = new NoGradGuard()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                String what = "broadcast of parameter " + i + " of " + params.size();
                if (p.is_contiguous()) {
                    try (Tensor d = p.detach()) {           // shares p's storage: the broadcast writes into p
                        group.broadcast(d, 0, what);
                    }
                } else {
                    try (Tensor c = p.contiguous()) {
                        group.broadcast(c, 0, what);
                        p.copy_(c);
                    }
                }
            }
        }
    }

    /**
     * Refuses to go on unless every rank passed the same configuration text. Each rank publishes the SHA-256 of
     * {@code canonicalJson} through the store; on a mismatch every rank throws a {@link DistException} naming the
     * ranks that differ from rank 0 and the first differing field. No-op for world size 1.
     */
    public void checkSameConfig(String canonicalJson) {
        if (canonicalJson == null) throw new IllegalArgumentException("canonicalJson must not be null");
        if (group != null) checkSame("configuration", canonicalJson);
    }

    /** Every rank's {@code text} must be equal; see {@link #checkSameConfig}. */
    void checkSame(String what, String text) {
        String key = "eapo4j/same/" + (++checks) + "/";
        String mine = ConfigDiff.sha256(text);
        group.setKey(key + "text/" + env.rank(), text);
        group.setKey(key + "hash/" + env.rank(), mine);
        String[] hashes = new String[env.worldSize()];
        List<Integer> differ = new ArrayList<>();
        for (int r = 0; r < hashes.length; r++) {
            hashes[r] = group.getKey(key + "hash/" + r, "waiting for rank " + r + " to publish its " + what);
            if (r > 0 && !hashes[r].equals(hashes[0])) differ.add(r);
        }
        if (differ.isEmpty()) return;
        int first = differ.get(0);
        String t0 = group.getKey(key + "text/0", "reading rank 0's " + what);
        String tf = group.getKey(key + "text/" + first, "reading rank " + first + "'s " + what);
        throw new DistException("the " + what + " differs between ranks: rank" + (differ.size() > 1 ? "s " : " ")
                + differ.toString().replaceAll("[\\[\\]]", "") + " differ" + (differ.size() > 1 ? "" : "s")
                + " from rank 0; first difference (rank 0 vs rank " + first + "): "
                + ConfigDiff.firstDifference(t0, tf));
    }

    /** Waits until every rank got here (bounded by the timeout). */
    public void barrier() {
        if (group == null) return;
        try (Tensor t = doubles(new double[] {1})) {
            group.allReduce(t, Reduction.SUM, "barrier");
        }
    }

    /** The process group, for {@link GradientSync}; null for world size 1. */
    GlooGroup group() {
        return group;
    }

    static void requireCpu(Tensor t, String name) {
        if (t.is_cuda())
            throw new IllegalArgumentException(name + " is a CUDA tensor: this build of the presets has only the "
                    + "Gloo (CPU) process group; CUDA tensors need NCCL from the GPU build (see DistContext)");
    }

    private static Tensor doubles(double[] v) {
        try (DoublePointer p = new DoublePointer(v); TensorOptions o = new TensorOptions(ScalarType.Double);
             Tensor view = torch.from_blob(p, new long[] {v.length}, o)) {
            return view.clone();
        }
    }

    private static double[] toDoubles(Tensor t, int n) {
        double[] out = new double[n];
        try (DoublePointer p = new DoublePointer(t.data_ptr())) {
            p.get(out);
        }
        return out;
    }

    private static Tensor longs(long[] v) {
        try (LongPointer p = new LongPointer(v); TensorOptions o = new TensorOptions(ScalarType.Long);
             Tensor view = torch.from_blob(p, new long[] {v.length}, o)) {
            return view.clone();
        }
    }

    private static long[] toLongs(Tensor t, int n) {
        long[] out = new long[n];
        try (LongPointer p = new LongPointer(t.data_ptr())) {
            p.get(out);
        }
        return out;
    }

    /** Leaves the run: rank 0 keeps its store up until every rank has reached close (bounded by the timeout). */
    @Override
    public void close() {
        if (group != null) group.close();
    }
}
