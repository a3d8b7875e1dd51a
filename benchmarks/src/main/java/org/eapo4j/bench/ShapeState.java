package org.eapo4j.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What every kernel benchmark shares: the shape and thread parameters, the JMH defaults (run through
 * {@link BenchmarkReport}, which overrides them), the shared inputs of that shape, and the thread count re-applied
 * before each iteration. Subclasses call {@link #loadInputs()} first in their trial set-up.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
public abstract class ShapeState {
    @Param({"4096"})
    public int n;
    @Param({"32000"})
    public int v;
    @Param({"Float"})
    public String dtype;
    @Param({"2"})
    public int threads;

    protected BenchInputs in;

    protected void loadInputs() {
        BenchThreads.set(threads);
        in = BenchInputs.shared(n, v, dtype);
    }

    @Setup(Level.Iteration)
    public void threads() {
        BenchThreads.set(threads);
    }

    @TearDown(Level.Trial)
    public void closeInputs() {
        if (in != null) in.close();
    }
}
