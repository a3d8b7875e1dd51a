package org.eapo4j.bench;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The memory roofline on the benchmarks' own data and thread count: {@code readOnce} is LibTorch's sum over the
 * logits (every byte read once: the floor for token statistics), {@code readWrite} a copy_ of the logits into a
 * preallocated, resident buffer (read once + write once: the floor for the policy loss, which reads the logits and
 * writes a gradient of the same size). {@code readWriteFresh} is the same copy into a freshly allocated tensor
 * ({@code clone()}), as every LibTorch op and our fresh-gradient mode do: its excess over {@code readWrite} is the cost
 * of page-faulting one new [N, V] buffer on this machine.
 */
public class RooflineBenchmark extends ShapeState {
    private Tensor copy;  // readWrite only

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        loadInputs();
        if (params.getBenchmark().endsWith(".readWriteFresh")) {
            try (Tensor c = in.logits.clone()) {
                if (!torch.equal(c, in.logits)) throw new IllegalStateException("clone did not reproduce the logits");
            }
        } else if (params.getBenchmark().endsWith(".readWrite")) {
            copy = in.newLogitsLike();
            copy.copy_(in.logits);
            if (!torch.equal(copy, in.logits)) throw new IllegalStateException("copy_ did not reproduce the logits");
        } else {
            try (Tensor s = in.logits.sum()) {
                if (!Double.isFinite(s.item_double())) throw new IllegalStateException("sum of the logits is not finite");
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (copy != null) copy.close();
    }

    @Benchmark
    public long readOnce() {
        try (Tensor s = in.logits.sum()) {
            return s.data_ptr().address();
        }
    }

    @Benchmark
    public long readWrite() {
        copy.copy_(in.logits);  // the returned handle is a reference to copy: not closed
        return copy.data_ptr().address();
    }

    @Benchmark
    public long readWriteFresh() {
        try (Tensor c = in.logits.clone()) {
            return c.data_ptr().address();
        }
    }
}
