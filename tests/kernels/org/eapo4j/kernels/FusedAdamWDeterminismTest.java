package org.eapo4j.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link FusedAdamW#step} gives the same bits whatever the thread count (the elements are split into different
 * chunks) and whatever the SIMD path (the scalar reference loop, AVX2, AVX-512 where the CPU has it): the AdamW
 * update is elementwise and every path runs the same float32 operations (native/include/eapo4j_adamw.h).
 */
class FusedAdamWDeterminismTest {
    private static final int N = 1000003;   // not a multiple of any vector width; 30 chunks of the minimum size
    private static final ScalarType[][] COMBOS = {
        {ScalarType.Float, ScalarType.Float, ScalarType.Float},
        {ScalarType.BFloat16, ScalarType.BFloat16, ScalarType.BFloat16},
        {ScalarType.BFloat16, ScalarType.BFloat16, ScalarType.Float},
        {ScalarType.Half, ScalarType.Half, ScalarType.Float}};

    private PointerScope scope;

    @BeforeEach
    void setUp() {
        scope = new PointerScope();
    }

    @AfterEach
    void tearDown() {
        FusedKernels.setNumThreads(0);
        SimdPaths.restore();
        scope.close();
    }

    @Test
    void sameBitsForEveryThreadCount() {
        for (ScalarType[] c : COMBOS) {
            List<Tensor[]> results = new ArrayList<>();
            for (int threads : new int[] {1, 2, 3, 7}) {
                FusedKernels.setNumThreads(threads);
                results.add(threeSteps(c));
            }
            for (int r = 1; r < results.size(); r++) assertSameBits(results.get(0), results.get(r), c, "threads #" + r);
        }
    }

    @Test
    void sameBitsOnEverySimdPath() {
        for (ScalarType[] c : COMBOS) {
            FusedKernels.setCpuSimdLevel("generic");
            Tensor[] reference = threeSteps(c);
            for (String level : new String[] {SimdPaths.AVX2, SimdPaths.AVX512}) {
                if (!FusedKernels.setCpuSimdLevel(level)) continue;   // this CPU lacks it
                assertSameBits(reference, threeSteps(c), c, level + " vs generic");
            }
        }
    }

    /** Three steps from the same seeded start; returns {param, expAvg, expAvgSq}. */
    private static Tensor[] threeSteps(ScalarType[] c) {
        Random rnd = new Random(7);
        float[] p0 = new float[N];
        for (int i = 0; i < N; i++) p0[i] = (float) rnd.nextGaussian();
        Tensor p = HostTensors.fromFloats(p0, N).to(c[0]);
        Tensor m = HostTensors.full(0f, N).to(c[2]), v = HostTensors.full(0f, N).to(c[2]);
        for (int step = 1; step <= 3; step++) {
            float[] g0 = new float[N];
            for (int i = 0; i < N; i++) g0[i] = (float) (rnd.nextGaussian() * 1e-2);
            Tensor g = HostTensors.fromFloats(g0, N).to(c[1]);
            FusedAdamW.step(p, g, m, v, new AdamWStep(1e-3 * step, 0.9, 0.999, 1e-8, 0.1, step, 0.5));
        }
        return new Tensor[] {p, m, v};
    }

    private static void assertSameBits(Tensor[] a, Tensor[] b, ScalarType[] c, String what) {
        String[] names = {"param", "expAvg", "expAvgSq"};
        for (int i = 0; i < 3; i++)
            assertTrue(torch.equal(a[i], b[i]), c[0] + "/" + c[1] + "/" + c[2] + " " + names[i] + " differs: " + what);
    }
}
