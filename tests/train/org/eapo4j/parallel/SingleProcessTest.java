package org.eapo4j.parallel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.Test;

/** World size 1 in this JVM: no process group, collectives are identities, the multiplier is still applied. */
class SingleProcessTest {
    @Test
    void collectivesAreIdentities() {
        try (DistContext ctx = DistContext.single()) {
            assertFalse(ctx.isDistributed());
            assertNull(ctx.group());
            assertTrue(ctx.isMaster());
            double[] v = {1.5, -2};
            double[] r = ctx.allReduce(v, Reduction.MAX);
            assertArrayEquals(v, r);
            r[0] = 9;
            assertEquals(1.5, v[0], "a new array is returned");
            assertEquals(0.75, ctx.globalMean(1.5, 2));
            assertTrue(Double.isNaN(ctx.globalMean(0, 0)));
            assertArrayEquals(new long[][] {{4, 5}}, ctx.allGather(new long[] {4, 5}));
            ctx.checkSameConfig("{}");
            ctx.barrier();
        }
    }

    @Test
    void gradientSyncOnlyScales() {
        Tensor a = HostTensors.full(0f, 2, 2).set_requires_grad(true), b = HostTensors.full(0f, 3).set_requires_grad(true);
        a.mutable_grad().put(HostTensors.fromFloats(new float[] {1, 2, 3, 4}, 2, 2));
        try (DistContext ctx = DistContext.single(); GradientSync sync = new GradientSync(ctx, List.of(a, b))) {
            assertEquals(0, sync.bucketCount());
            sync.sumAndScale(0.5);
            assertArrayEquals(new float[] {0.5f, 1, 1.5f, 2}, HostTensors.toFloats(a.grad()));
            assertFalse(b.grad().defined(), "no gradient is invented");
            sync.average();
            assertArrayEquals(new float[] {0.5f, 1, 1.5f, 2}, HostTensors.toFloats(a.grad()));
        }
    }

    @Test
    void badArgumentsAreRefusedBeforeAnyNativeCall() {
        try (DistContext ctx = DistContext.single()) {
            Tensor d = HostTensors.fromLongs(new long[] {1}, 1);
            String m = assertThrows(IllegalArgumentException.class, () -> new GradientSync(ctx, List.of(d))).getMessage();
            assertTrue(m.contains("params[0]") && m.contains("Long"), m);
            assertThrows(IllegalArgumentException.class, () -> new GradientSync(ctx, List.of(), 2));
            try (GradientSync s = new GradientSync(ctx, List.of())) {
                assertThrows(IllegalArgumentException.class, () -> s.sumAndScale(Double.NaN));
            }
            assertThrows(IllegalArgumentException.class, () -> ctx.allReduce((double[]) null, Reduction.SUM));
            assertThrows(IllegalArgumentException.class, () -> ctx.checkSameConfig(null));
        }
    }
}
