package org.eapo4j.train;

import java.util.ArrayList;
import java.util.List;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.parallel.DistContext;
import org.eapo4j.parallel.GradientSync;
import org.eapo4j.parallel.GroupShard;
import org.eapo4j.parallel.Reduction;
import org.eapo4j.rl.Collectives;

/**
 * The trainer's side of a data-parallel run over a {@link DistContext}: which prompt groups and warm-up rows this
 * rank owns (contiguous, so the global batch is the ranks' rows in rank order), the {@link Collectives} the update
 * and the scoring call, the bucketed gradient all-reduce ({@link GradientSync}) over the policy's parameters, and
 * the time spent communicating (the {@code allreduce_time_s} metric). For one process ({@link #single()}) every
 * collective returns its input and nothing is timed but a few array copies.
 *
 * <p>Does not own the DistContext (its opener closes it); owns the GradientSync buffers, freed by {@link #close()}.
 */
public final class DataParallel implements Collectives, AutoCloseable {
    private final DistContext ctx;
    private GradientSync sync;
    private long commNanos;

    public DataParallel(DistContext ctx) {
        if (ctx == null) throw new IllegalArgumentException("ctx must not be null");
        this.ctx = ctx;
    }

    /** One process: no communication. */
    public static DataParallel single() {
        return new DataParallel(DistContext.single());
    }

    public DistContext context() {
        return ctx;
    }

    public boolean isMaster() {
        return ctx.isMaster();
    }

    public int worldSize() {
        return ctx.worldSize();
    }

    /**
     * Joins the ranks' trainers: refuses to go on unless every rank has the same {@code state} text (the canonical
     * config JSON and where the run starts), overwrites {@code broadcast} (parameters, optimizer moments, ...) with
     * rank 0's values, and sets up the gradient sum over {@code trained}. Called once, before the first step.
     */
    public void join(String state, List<Tensor> trained, List<Tensor> broadcast) {
        if (sync != null) throw new IllegalStateException("already joined");
        ctx.checkSameConfig(state);
        List<Tensor> all = new ArrayList<>(trained);
        all.addAll(broadcast);
        ctx.broadcastParameters(all);
        sync = new GradientSync(ctx, trained);
    }

    /** The groups of a step's {@code groups} this rank rolls out (contiguous: rank 0 the first). */
    public GroupShard shard(int groups) {
        return GroupShard.contiguous(groups, ctx.worldSize(), ctx.rank());
    }

    /** This rank's rows [from, to) of a batch of {@code n} rows every rank can build (the warm-up batch). */
    public int[] rowRange(int n) {
        int w = ctx.worldSize(), r = ctx.rank();
        return new int[] {(int) ((long) r * n / w), (int) ((long) (r + 1) * n / w)};
    }

    @Override
    public int rank() {
        return ctx.rank();
    }

    @Override
    public boolean isDistributed() {
        return ctx.isDistributed();
    }

    @Override
    public double[] sum(double[] local) {
        long t0 = System.nanoTime();
        try {
            return ctx.allReduce(local, Reduction.SUM);
        } finally {
            commNanos += System.nanoTime() - t0;
        }
    }

    @Override
    public double[][] gather(double[] local) {
        long t0 = System.nanoTime();
        try {
            return ctx.allGather(local);
        } finally {
            commNanos += System.nanoTime() - t0;
        }
    }

    @Override
    public void sumGradients() {
        if (sync == null) {
            if (ctx.isDistributed()) throw new IllegalStateException("join() before the first update");
            return;
        }
        long t0 = System.nanoTime();
        try {
            sync.sum();
        } finally {
            commNanos += System.nanoTime() - t0;
        }
    }

    /** sum(mask * perToken) / sum(mask) over every rank's rows (0 when there are no tokens). */
    public double maskedMean(org.eapo4j.rl.SequenceBatch batch, float[] perToken) {
        double[] s = sum(batch.maskedSums(perToken));
        return s[1] == 0 ? 0 : s[0] / s[1];
    }

    /** Seconds spent in collectives since the last call (and resets the count). */
    public double takeCommSeconds() {
        double s = commNanos / 1e9;
        commNanos = 0;
        return s;
    }

    @Override
    public void close() {
        if (sync != null) sync.close();
        sync = null;
    }
}
