package org.eapo4j.kernels;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Owner of the native memory that {@link FusedKernels} returns, in the manner of DJL's NDManager: while a scope is
 * open on a thread, every {@link TokenStats} and {@link PolicyLossResult} a kernel call on that thread returns is
 * attached to the innermost open scope, and closing the scope closes them (and the tensors they hold).
 *
 * <pre>{@code
 * for (Batch b : batches) {
 *     try (KernelScope scope = new KernelScope()) {
 *         PolicyLossResult r = FusedKernels.policyLoss(logits, targets, in, cfg);
 *         logits.backward(r.gradLogits(), ...);
 *     }   // r's tensors are freed here
 * }
 * }</pre>
 *
 * <ul>
 *   <li>Results stay individually closable; closing one twice, or closing it and then its scope, is harmless.</li>
 *   <li>{@link #detach} hands a result back to the caller, who must then close it.</li>
 *   <li>A scope owns kernel results only, not the caller's own tensors (open a JavaCPP {@code PointerScope} for
 *       those). When both are open, a result belongs to both; whichever closes first frees it.</li>
 *   <li>A scope belongs to the thread that opened it; close it on that thread (try-with-resources).</li>
 * </ul>
 *
 * <p>Why: LibTorch storage is invisible to the JVM and to JavaCPP's {@code Pointer.totalBytes()} (a result tensor
 * registers the ~40 bytes of its handle, not its storage), so results that are never closed are freed only when a
 * garbage collection happens to run. Results returned outside any scope are counted (see
 * {@link #unscopedResults()}) and bounded by {@link UnscopedResults}, which forces collections and finally throws
 * {@link OutOfMemoryError} when unclosed results hold too much memory.
 */
public final class KernelScope implements AutoCloseable {
    private static final ThreadLocal<ArrayDeque<KernelScope>> OPEN = ThreadLocal.withInitial(ArrayDeque::new);

    private final Thread owner = Thread.currentThread();
    private final ArrayDeque<KernelScope> stack = OPEN.get();
    private final List<AutoCloseable> owned = new ArrayList<>();
    private boolean closed;

    /** Opens a scope on the current thread; it becomes the innermost one. */
    public KernelScope() {
        stack.push(this);
    }

    /** The innermost open scope of the current thread, or null. */
    public static KernelScope current() {
        return OPEN.get().peek();
    }

    /** Number of results this scope owns now. */
    public int size() {
        return owned.size();
    }

    /** Takes ownership of {@code result} (a kernel result, or anything else to close with the scope). */
    public <T extends AutoCloseable> T attach(T result) {
        requireOpenOnOwner();
        owned.add(result);
        return result;
    }

    /** Gives {@code result} back to the caller, who must close it; throws if this scope does not own it. */
    public <T extends AutoCloseable> T detach(T result) {
        requireOpenOnOwner();
        for (int i = owned.size() - 1; i >= 0; i--) {
            if (owned.get(i) == result) {
                owned.remove(i);
                return result;
            }
        }
        throw new IllegalArgumentException("result is not owned by this scope");
    }

    /** Closes every owned result, newest first, then leaves the thread's scope stack. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        if (Thread.currentThread() != owner)
            throw new IllegalStateException("a KernelScope must be closed on the thread that opened it (" + owner.getName()
                    + ")");
        closed = true;
        stack.remove(this);
        RuntimeException failure = null;
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception e) {
                if (failure == null) failure = new IllegalStateException("closing a kernel result failed", e);
                else failure.addSuppressed(e);
            }
        }
        owned.clear();
        if (failure != null) throw failure;
    }

    /** Results returned so far, in this JVM, while no scope was open: the callers' to close. */
    public static long unscopedResults() {
        return UnscopedResults.count();
    }

    /** Attaches a fresh kernel result to the innermost open scope, or hands it to the unscoped accounting. */
    static <T extends AutoCloseable> T adopt(T result, org.bytedeco.pytorch.Tensor... fresh) {
        KernelScope s = OPEN.get().peek();
        if (s != null) return s.attach(result);
        UnscopedResults.track(result, fresh);
        return result;
    }

    private void requireOpenOnOwner() {
        if (closed) throw new IllegalStateException("this KernelScope is closed");
        if (Thread.currentThread() != owner)
            throw new IllegalStateException("a KernelScope is used on the thread that opened it (" + owner.getName() + ")");
    }
}
