package org.eapo4j.rl;

import java.util.ArrayList;
import java.util.List;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Sums the gradients of an update's micro-batches, and then of the data-parallel ranks, in a type wider than the
 * parameter's (float64 for float32 parameters, float32 for bfloat16 / float16 ones), so that the gradient the
 * optimizer sees does not depend on how the batch was split: a sum with 16 or more spare mantissa bits rounds back
 * to the same value in all but astronomically rare cases, whatever the order of the terms. This is what makes a run
 * on N processes give the numbers of one process (docs/TRAINING.md, "Several processes").
 *
 * <p>Owns one buffer per parameter (8 bytes per float32 parameter, 4 per 16-bit one; allocated once and reused
 * across steps) and frees them in {@link #close()}. The parameters' own {@code grad} tensors are used as scratch
 * between micro-batches.
 */
public final class GradAccumulator implements AutoCloseable {
    /** Elements per all-reduce call: bounds the host copy of a large model's gradient. */
    static final int CHUNK = 1 << 22;

    /** Elements per piece of {@link #addInPieces}: a 1 MB float32 temporary, far below glibc's mmap threshold. */
    static final int ADD_PIECE = 1 << 18;

    private final List<Tensor> params;
    private final List<Tensor> sums = new ArrayList<>();
    private final boolean[] present;

    public GradAccumulator(List<Tensor> params) {
        if (params == null) throw new IllegalArgumentException("params must not be null");
        this.params = List.copyOf(params);
        present = new boolean[this.params.size()];
        try (PointerScope scope = new PointerScope()) {
            for (Tensor p : this.params) {
                Tensor z = torch.zeros_like(p, new TensorOptions(sumType(p.scalar_type())),
                        new MemoryFormatOptional());   // on the parameter's device
                z.retainReference();   // outlives the scopes around it (JavaCPP's detach would release it); close()
                sums.add(z);
            }
        }
    }

    /** The type the gradients of a parameter of type {@code param} are summed in: 16 or more bits wider. */
    static ScalarType sumType(ScalarType param) {
        ScalarType t = param.intern();   // a native enum value: compare its interned constant
        return t == ScalarType.BFloat16 || t == ScalarType.Half ? ScalarType.Float : ScalarType.Double;
    }

    /** The dtype of parameter {@code i}'s sum buffer. */
    ScalarType bufferType(int i) {
        return sums.get(i).scalar_type().intern();
    }

    /** Bytes of sum buffers per trained parameter of type {@code param} (for memory estimates). */
    public static int bytesPerParameter(ScalarType param) {
        return sumType(param) == ScalarType.Float ? 4 : 8;
    }

    /** Starts a new sum (before the first micro-batch of an optimizer step). */
    public void reset() {
        try (NoGradGuard g = new NoGradGuard()) {
            for (Tensor s : sums) s.zero_();
        }
        java.util.Arrays.fill(present, false);
    }

    /** sum += grad for every parameter that has one, then grad = 0 (ready for the next micro-batch). */
    public void addAndClear() {
        try (NoGradGuard g = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor grad = params.get(i).grad();
                if (!grad.defined()) continue;
                addInPieces(sums.get(i), grad);
                grad.zero_();
                present[i] = true;
            }
        }
    }

    /**
     * sum += grad, a piece of at most {@link #ADD_PIECE} elements at a time. LibTorch's CPU add of two dtypes first
     * copies the whole gradient into the sum's type: a fresh float32 copy of every gradient per micro-batch (2.4 GB
     * for a 0.6B bf16 model), and fresh memory costs a page fault per 4 KB. Pieces keep that copy small enough for
     * the allocator to reuse; the sums are the same element for element.
     */
    static void addInPieces(Tensor sum, Tensor grad) {
        long n = grad.numel();
        if (n <= ADD_PIECE || !grad.is_contiguous() || !sum.is_contiguous()) {
            sum.add_(grad);
            return;
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor s = sum.view(-1), g = grad.view(-1);
            for (long from = 0; from < n; from += ADD_PIECE) {
                long len = Math.min(ADD_PIECE, n - from);
                s.narrow(0, from, len).add_(g.narrow(0, from, len));
            }
        }
    }

    /**
     * Sums the buffers over the ranks of {@code comm} (in float64; a parameter that has a gradient on any rank gets
     * one on every rank) and writes the result into the parameters' {@code grad}, in their dtype.
     */
    public void finish(Collectives comm) {
        if (comm.isDistributed()) {   // one process: the sums are already the total, no host round trip
            double[] flags = new double[present.length];
            for (int i = 0; i < present.length; i++) flags[i] = present[i] ? 1 : 0;
            double[] all = comm.sum(flags);
            for (int i = 0; i < present.length; i++) present[i] = all[i] > 0;
            for (int i = 0; i < sums.size(); i++) if (present[i]) allReduce(sums.get(i), comm);
        }
        try (NoGradGuard g = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            for (int i = 0; i < params.size(); i++) {
                if (!present[i]) continue;
                Tensor p = params.get(i), grad = p.grad();
                if (grad.defined()) grad.copy_(sums.get(i));
                else p.mutable_grad().put(sums.get(i).to(p.scalar_type()));
            }
        }
    }

    /**
     * In-place all-reduce of one buffer, summed in float64 through host arrays of at most {@link #CHUNK} elements (a
     * float32 buffer is widened for the sum and rounded once).
     */
    private static void allReduce(Tensor sum, Collectives comm) {
        try (PointerScope scope = new PointerScope()) {
            Tensor host = sum.to(new Device(torch.DeviceType.CPU), ScalarType.Double).contiguous();
            long n = host.numel();
            DoublePointer ptr = new DoublePointer(host.data_ptr_double());
            for (long from = 0; from < n; from += CHUNK) {
                int len = (int) Math.min(CHUNK, n - from);
                double[] part = new double[len];
                ptr.position(from).get(part, 0, len);
                double[] total = comm.sum(part);
                ptr.position(from).put(total, 0, len);
            }
            ptr.position(0);
            if (host.data_ptr() != sum.data_ptr()) sum.copy_(host);   // back to the device and the sum type
        }
    }

    @Override
    public void close() {
        for (Tensor s : sums) s.releaseReference();
        sums.clear();
    }
}
