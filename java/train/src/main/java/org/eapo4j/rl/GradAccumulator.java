package org.eapo4j.rl;

import java.util.ArrayList;
import java.util.List;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Sums the gradients of an update's micro-batches, and then of the data-parallel ranks, in float64, so that the
 * float32 gradient the optimizer sees does not depend on how the batch was split: a float64 sum of float32 terms
 * rounds back to the same float32 in all but astronomically rare cases, whatever the order of the terms. This is
 * what makes a run on N processes give the numbers of one process (docs/TRAINING.md, "Several processes").
 *
 * <p>Owns one float64 buffer per parameter (8 bytes per trained parameter; allocated once and reused across steps)
 * and frees them in {@link #close()}. The parameters' own {@code grad} tensors are used as scratch between
 * micro-batches.
 */
public final class GradAccumulator implements AutoCloseable {
    /** Elements per all-reduce call: bounds the host copy of a large model's gradient. */
    static final int CHUNK = 1 << 22;

    private final List<Tensor> params;
    private final List<Tensor> sums = new ArrayList<>();
    private final boolean[] present;

    public GradAccumulator(List<Tensor> params) {
        if (params == null) throw new IllegalArgumentException("params must not be null");
        this.params = List.copyOf(params);
        present = new boolean[this.params.size()];
        try (PointerScope scope = new PointerScope(); TensorOptions o = new TensorOptions(ScalarType.Double)) {
            for (Tensor p : this.params) {
                Tensor z = torch.zeros(p.sizes().vec().get(), o);
                if (!p.device().is_cpu()) z = z.to(p.device(), ScalarType.Double);
                z.retainReference();   // outlives the scopes around it (JavaCPP's detach would release it); close()
                sums.add(z);
            }
        }
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
                sums.get(i).add_(grad);
                grad.zero_();
                present[i] = true;
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

    /** In-place float64 all-reduce of one buffer, through host arrays of at most {@link #CHUNK} elements. */
    private static void allReduce(Tensor sum, Collectives comm) {
        try (PointerScope scope = new PointerScope()) {
            Tensor host = sum.device().is_cpu() ? sum.contiguous() : sum.cpu();
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
            if (host.data_ptr() != sum.data_ptr()) sum.copy_(host);
        }
    }

    @Override
    public void close() {
        for (Tensor s : sums) s.releaseReference();
        sums.clear();
    }
}
