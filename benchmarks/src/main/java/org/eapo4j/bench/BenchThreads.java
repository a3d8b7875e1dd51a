package org.eapo4j.bench;

import org.bytedeco.pytorch.global.torch;
import org.eapo4j.kernels.FusedKernels;

/** Sets the same thread count for our kernels and for LibTorch (intra-op, OpenMP). */
final class BenchThreads {
    private BenchThreads() {}

    /**
     * Call on the thread that runs the benchmark: LibTorch's OpenMP thread count is a per-thread setting, so the
     * benchmarks call this in a per-iteration set-up, which JMH runs on the measuring thread.
     */
    static void set(int threads) {
        FusedKernels.setNumThreads(threads);
        torch.set_num_threads(threads);
    }
}
