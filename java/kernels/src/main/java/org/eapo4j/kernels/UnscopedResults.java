package org.eapo4j.kernels;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Tensor;

/**
 * The bound on kernel results returned outside any {@link KernelScope}. JavaCPP does not see LibTorch storage (its
 * {@code Pointer.totalBytes()} counts a tensor's handle, not its data; its RSS check, {@code maxPhysicalBytes},
 * defaults to several times the heap, which can be more than the machine has), so a loop that never closes its
 * results grows native memory until a collection happens to run.
 *
 * <p>Here every such result's fresh storage is counted. When the total still reachable exceeds {@link #limit()}
 * (system property {@code eapo4j.kernels.maxUnscopedBytes}, default JavaCPP's {@code Pointer.maxBytes()}, itself the
 * maximum heap unless {@code org.bytedeco.javacpp.maxbytes} is set), collections are forced so that unreachable
 * results are freed; if the reachable ones alone exceed the limit, the newest result is closed and
 * {@link OutOfMemoryError} thrown. Closed results count as freed. Costs an amortised O(1) per result.
 */
final class UnscopedResults {
    /** Native bytes of a tensor beyond its data (TensorImpl, storage, allocator headers), roughly. */
    private static final long HANDLE_BYTES = 512;
    private static final int MAX_COLLECTIONS = 10;

    private record Entry(WeakReference<Tensor> ref, long bytes) {
        boolean freed() {
            Tensor t = ref.get();
            return t == null || t.isNull();
        }
    }

    private static final List<Entry> live = new ArrayList<>();
    private static long liveBytes, count;
    private static int sizeAfterPrune;
    private static volatile long limit = initialLimit();

    private UnscopedResults() {}

    private static long initialLimit() {
        String s = System.getProperty("eapo4j.kernels.maxUnscopedBytes");
        if (s != null && !s.isBlank()) return Long.parseLong(s.trim());
        long m = Pointer.maxBytes();
        return m > 0 ? m : Runtime.getRuntime().maxMemory();
    }

    static long limit() {
        return limit;
    }

    /** For tests: a lower bound makes the behaviour visible at small sizes. */
    static void limit(long bytes) {
        limit = bytes;
    }

    static synchronized long count() {
        return count;
    }

    /** Bytes of unscoped results not known to be freed, after dropping those that are. */
    static synchronized long liveBytes() {
        prune();
        return liveBytes;
    }

    static synchronized void track(AutoCloseable result, Tensor... fresh) {
        count++;
        for (Tensor t : fresh) {
            long b = t.nbytes() + HANDLE_BYTES;
            live.add(new Entry(new WeakReference<>(t), b));
            liveBytes += b;
        }
        if (live.size() > 2 * sizeAfterPrune + 1024) prune();   // closed results leave the list in amortised O(1)
        if (liveBytes > limit) reclaim(result);
    }

    private static void reclaim(AutoCloseable newest) {
        for (int attempt = 0; ; attempt++) {
            prune();
            if (liveBytes <= limit) return;
            if (attempt == MAX_COLLECTIONS) {
                try {
                    newest.close();
                } catch (Exception ignored) {
                    // the error below says what matters
                }
                prune();
                throw new OutOfMemoryError("kernel results returned outside any KernelScope and never closed hold "
                        + liveBytes + " bytes > eapo4j.kernels.maxUnscopedBytes = " + limit + ": close them "
                        + "(try-with-resources) or call the kernels inside a KernelScope");
            }
            System.gc();
            try {
                Thread.sleep(20L * (attempt + 1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Pointer.deallocateReferences();
        }
    }

    private static void prune() {
        long bytes = 0;
        int kept = 0;
        for (int i = 0; i < live.size(); i++) {
            Entry e = live.get(i);
            if (e.freed()) continue;
            live.set(kept++, e);
            bytes += e.bytes();
        }
        live.subList(kept, live.size()).clear();
        liveBytes = bytes;
        sizeAfterPrune = kept;
    }
}
