package org.eapo4j.parallel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * All-reduces the gradients of a fixed list of parameters: grad &larr; multiplier &times; &Sigma;<sub>ranks</sub>
 * grad, so that after {@link #sum()} every rank holds the gradient one process would have computed over the whole
 * batch, provided each rank's loss was already normalised by the global count (e.g. its token sum divided by the
 * all-reduced token count). {@link #average()} is the multiplier 1/worldSize (each rank normalised locally by an
 * equal share), {@link #sumAndScale(double)} any other.
 *
 * <p>The gradients travel in flat float32 buckets of about {@link #DEFAULT_BUCKET_BYTES} (a parameter larger than a
 * bucket gets one of its own): one all-reduce per bucket, all issued before the first is awaited. A parameter whose
 * gradient is undefined on a rank contributes zeros; it gets a gradient if any rank had one, and keeps none if no
 * rank had (what one process would see, so that an optimiser that skips such parameters skips them on every rank).
 * Float32, bfloat16 and float16 gradients are reduced in float32; float64 parameters are refused.
 *
 * <p>This object owns its bucket buffers (float32, the size of the parameters) and frees them on {@link #close()};
 * the gradients stay owned by their parameters. For world size 1 there are no buffers and no communication: only
 * the multiplier is applied.
 */
public final class GradientSync implements AutoCloseable {
    public static final long DEFAULT_BUCKET_BYTES = 25L << 20;

    private final DistContext ctx;
    private final List<Tensor> params;
    private final long[][] shapes;
    private final FlatBuckets buckets;     // null for world size 1
    private final Tensor[] flats;          // one float32 buffer per bucket; the first also holds the presence flags
    private boolean closed;

    public GradientSync(DistContext ctx, List<Tensor> params) {
        this(ctx, params, DEFAULT_BUCKET_BYTES);
    }

    /** @param bucketBytes the bucket size in bytes of float32 (at least 4) */
    public GradientSync(DistContext ctx, List<Tensor> params, long bucketBytes) {
        if (ctx == null) throw new IllegalArgumentException("ctx must not be null");
        if (params == null) throw new IllegalArgumentException("params must not be null");
        if (bucketBytes < Float.BYTES) throw new IllegalArgumentException("bucketBytes must be >= 4, got " + bucketBytes);
        this.ctx = ctx;
        this.params = List.copyOf(params);
        this.shapes = new long[this.params.size()][];
        long[] numels = new long[this.params.size()];
        List<String> layout = new ArrayList<>();
        for (int i = 0; i < numels.length; i++) {
            Tensor p = this.params.get(i);
            if (p == null || !p.defined()) throw new IllegalArgumentException("params[" + i + "] is undefined");
            DistContext.requireCpu(p, "params[" + i + "]");
            ScalarType t = p.scalar_type().intern();   // JavaCPP enums from native code need intern() for ==
            if (t != ScalarType.Float && t != ScalarType.BFloat16 && t != ScalarType.Half)
                throw new IllegalArgumentException("params[" + i + "] has dtype " + t
                        + "; gradients are reduced in float32, so only Float, BFloat16 and Half are accepted");
            shapes[i] = p.sizes().vec().get();
            numels[i] = p.numel();
            layout.add(describe(p));
        }
        if (ctx.group() == null) {
            buckets = null;
            flats = new Tensor[0];
            return;
        }
        ctx.checkSame("gradient layout", String.join("\n", layout));
        buckets = new FlatBuckets(numels, bucketBytes / Float.BYTES);
        flats = new Tensor[buckets.count()];
        try (TensorOptions o = new TensorOptions(ScalarType.Float)) {
            for (int b = 0; b < flats.length; b++)
                flats[b] = Native.keep(torch.zeros(
                        new long[] {buckets.size(b) + (b == 0 ? numels.length : 0)}, o));
        }
    }

    /** A parameter's shape and dtype, compared across ranks. */
    static String describe(Tensor p) {
        return Arrays.toString(p.sizes().vec().get()) + " " + p.scalar_type();
    }

    /** Number of all-reduce calls per synchronisation (0 for world size 1). */
    public int bucketCount() {
        return flats.length;
    }

    /** The bucket that holds parameter {@code i}'s gradient (-1 for world size 1). */
    public int bucketOf(int i) {
        if (buckets == null) return -1;
        for (int b = 0; b < buckets.count(); b++)
            for (FlatBuckets.Slot s : buckets.slots(b)) if (s.index() == i) return b;
        throw new IllegalArgumentException("i must be in [0, " + params.size() + "), got " + i);
    }

    /** grad &larr; &Sigma;<sub>ranks</sub> grad. */
    public void sum() {
        sumAndScale(1.0);
    }

    /** grad &larr; (1/worldSize) &Sigma;<sub>ranks</sub> grad. */
    public void average() {
        sumAndScale(1.0 / ctx.worldSize());
    }

    /** grad &larr; multiplier &times; &Sigma;<sub>ranks</sub> grad. */
    public void sumAndScale(double multiplier) {
        if (!Double.isFinite(multiplier)) throw new IllegalArgumentException("multiplier must be finite, got " + multiplier);
        if (closed) throw new IllegalStateException("GradientSync is closed");
        try (PointerScope scope = new PointerScope(); NoGradGuard ng = new NoGradGuard()) {
            if (buckets == null) {
                if (multiplier != 1.0)
                    for (Tensor p : params) {
                        Tensor g = p.grad();
                        if (g.defined()) g.mul_(new Scalar(multiplier));
                    }
                return;
            }
            if (flats.length == 0) return;
            int n = params.size();
            float[] mine = new float[n];   // 1 where this rank has a gradient: known before bucket 0 (which holds them) goes
            for (int i = 0; i < n; i++) mine[i] = params.get(i).grad().defined() ? 1 : 0;
            Tensor flags = flats[0].narrow(0, buckets.size(0), n);
            try (FloatPointer fp = new FloatPointer(flags.data_ptr())) {
                fp.put(mine);
            }
            List<GlooGroup.Pending> pending = new ArrayList<>();
            try {
                for (int b = 0; b < flats.length; b++) {
                    for (FlatBuckets.Slot s : buckets.slots(b)) {
                        Tensor g = params.get(s.index()).grad(), dst = flats[b].narrow(0, s.offset(), s.numel());
                        if (mine[s.index()] != 0) dst.copy_(g.reshape(-1));
                        else dst.zero_();
                    }
                    pending.add(ctx.group().allReduceAsync(flats[b], Reduction.SUM,
                            "gradient all-reduce, bucket " + (b + 1) + " of " + flats.length));
                }
                // in issue order: copying bucket b back overlaps the reduction of the later ones
                float[] present = new float[n];
                for (int b = 0; b < flats.length; b++) {
                    ctx.group().await(pending.remove(0));
                    if (b == 0)
                        try (FloatPointer fp = new FloatPointer(flags.data_ptr())) {
                            fp.get(present);
                        }
                    copyBack(b, multiplier, present);
                }
            } finally {
                for (GlooGroup.Pending p : pending) p.work.close();   // after a failure: not awaited
            }
        }
    }

    /** Scales bucket b and writes it into the gradients of its parameters. */
    private void copyBack(int b, double multiplier, float[] present) {
        if (multiplier != 1.0) flats[b].narrow(0, 0, buckets.size(b)).mul_(new Scalar(multiplier));
        for (FlatBuckets.Slot s : buckets.slots(b)) {
            if (present[s.index()] == 0) continue;   // no rank had a gradient: leave it undefined
            Tensor p = params.get(s.index()), g = p.grad();
            Tensor src = flats[b].narrow(0, s.offset(), s.numel()).view(shapes[s.index()]);
            if (g.defined()) g.copy_(src);
            else p.mutable_grad().put(src.to(p.scalar_type()).clone());
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (Tensor t : flats) t.close();
    }
}
