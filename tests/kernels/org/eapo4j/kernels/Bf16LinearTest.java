package org.eapo4j.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Bf16Linear} against a float64 evaluation of the same bf16 inputs written here: each output must be within
 * one bf16 rounding of the exact sum (relative 2^-8 of |y|) plus float32 summation error (2^-20 of sum |x w|).
 */
@ParameterizedClass(name = "simd {0}")
@ValueSource(strings = {SimdPaths.AVX512, SimdPaths.AVX2})
class Bf16LinearTest extends OnEachSimdPath {
    private PointerScope scope;

    @BeforeEach
    void setUp() {
        scope = new PointerScope();
    }

    @AfterEach
    void tearDown() {
        Bf16Linear.setEnabled(null);
        scope.close();
    }

    /** Random values already representable in bf16 (so the test's float64 inputs are exactly the kernel's). */
    private static Tensor bf16(Random rnd, double scale, long... shape) {
        int n = 1;
        for (long s : shape) n *= (int) s;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextGaussian() * scale);
        return HostTensors.fromFloats(v, shape).to(ScalarType.BFloat16);
    }

    private static float[] floats(Tensor t) {
        return HostTensors.toFloats(t.to(ScalarType.Float).contiguous());
    }

    private static void check(Tensor x, Tensor w, Tensor b, String what) {
        Tensor y = Bf16Linear.forward(x, w, b);
        long k = w.size(1), n = w.size(0), rows = x.numel() / k;
        long[] want = x.sizes().vec().get();
        want[want.length - 1] = n;
        assertArrayEquals(want, y.sizes().vec().get(), what + ": shape");
        assertEquals(ScalarType.BFloat16, y.scalar_type().intern(), what + ": dtype");
        float[] xs = floats(x.reshape(rows, k)), ws = floats(w), ys = floats(y.reshape(rows, n));
        float[] bs = b == null ? null : floats(b);
        for (int m = 0; m < rows; m++)
            for (int j = 0; j < n; j++) {
                double exact = 0, abs = 0;
                for (int i = 0; i < k; i++) {
                    double p = (double) xs[(int) (m * k + i)] * ws[(int) (j * k + i)];
                    exact += p;
                    abs += Math.abs(p);
                }
                if (bs != null) {
                    exact += bs[j];
                    abs += Math.abs(bs[j]);
                }
                double got = ys[(int) (m * n + j)];
                double tol = Math.abs(exact) * 0x1p-8 + abs * 0x1p-20 + 1e-30;
                assertTrue(Math.abs(got - exact) <= tol, what + " [" + m + ", " + j + "]: " + got + " vs " + exact);
            }
    }

    @Test
    void matchesFloat64OverRowsColumnsAndDepths() {
        Random rnd = new Random(7);
        for (long rows : new long[] {1, 3, 8, 9, 16})
            for (long k : new long[] {1, 31, 32, 33, 130})
                for (long n : new long[] {1, 5, 64}) {
                    Tensor x = bf16(rnd, 1.0, rows, k), w = bf16(rnd, 0.2, n, k);
                    check(x, w, null, "rows " + rows + " k " + k + " n " + n);
                    check(x, w, bf16(rnd, 0.5, n), "bias, rows " + rows + " k " + k + " n " + n);
                }
    }

    @Test
    void decodeShapesOfARealModel() {
        Random rnd = new Random(11);
        Tensor x = bf16(rnd, 1.0, 8, 1, 1024), w = bf16(rnd, 0.03, 3072, 1024);
        check(x, w, null, "[8, 1, 1024] x [3072, 1024]");
        check(bf16(rnd, 1.0, 8, 1, 3072), bf16(rnd, 0.02, 1024, 3072), null, "[8, 1, 3072] x [1024, 3072]");
    }

    @Test
    void readsStridedInputs() {
        Random rnd = new Random(3);
        Tensor wide = bf16(rnd, 1.0, 4, 80), w = bf16(rnd, 0.2, 7, 40);
        check(wide.narrow(1, 20, 40), w, null, "x a column slice");
        check(bf16(rnd, 1.0, 40, 4).t(), w, null, "x transposed");
        check(bf16(rnd, 1.0, 4, 40), bf16(rnd, 0.2, 40, 7).t(), null, "weight transposed");
    }

    @Test
    void agreesWithLibTorchLinearWithinOneRounding() {
        Random rnd = new Random(5);
        Tensor x = bf16(rnd, 1.0, 8, 256), w = bf16(rnd, 0.1, 96, 256), b = bf16(rnd, 0.1, 96);
        float[] ours = floats(Bf16Linear.forward(x, w, b)), theirs = floats(torch.linear(x, w, new org.bytedeco.pytorch.TensorOptional(b)));
        for (int i = 0; i < ours.length; i++)
            assertTrue(Math.abs(ours[i] - theirs[i]) <= Math.abs(theirs[i]) * 0x1p-7 + 1e-3,
                    "element " + i + ": " + ours[i] + " vs LibTorch " + theirs[i]);
    }

    /**
     * The CPU kernels share one pool of worker threads; a call that finds it busy (another Java thread inside a
     * kernel) starts threads of its own. Both must give the same bits as a call alone.
     */
    @Test
    void concurrentCallsGiveTheSameBitsAsOneAlone() throws Exception {
        Random rnd = new Random(9);
        Tensor x = bf16(rnd, 1.0, 8, 512), w = bf16(rnd, 0.1, 4096, 512);
        float[] alone = floats(Bf16Linear.forward(x, w, null));
        int threads = 4;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            java.util.List<java.util.concurrent.Future<Boolean>> same = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++)
                same.add(pool.submit(() -> {
                    try (PointerScope s = new PointerScope()) {
                        boolean ok = true;
                        for (int i = 0; i < 20; i++) ok &= java.util.Arrays.equals(alone, floats(Bf16Linear.forward(x, w, null)));
                        return ok;
                    }
                }));
            for (java.util.concurrent.Future<Boolean> f : same) assertTrue(f.get(), "a concurrent call differed");
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void appliesOnlyToFewBf16RowsWithoutGradient() {
        Bf16Linear.setEnabled(true);
        boolean on = Bf16Linear.cpuSupported();   // false on the avx2 path: LibTorch's GEMM is the better choice there
        Random rnd = new Random(1);
        Tensor w = bf16(rnd, 0.1, 8, 16);
        assertEquals(on, Bf16Linear.applies(bf16(rnd, 1, 16, 16), w, null));
        assertFalse(Bf16Linear.applies(bf16(rnd, 1, 17, 16), w, null), "more than MAX_ROWS rows");
        assertFalse(Bf16Linear.applies(bf16(rnd, 1, 2, 16).to(ScalarType.Float), w, null), "float32 x");
        assertFalse(Bf16Linear.applies(bf16(rnd, 1, 2, 15), w, null), "K mismatch");
        Tensor wg = bf16(rnd, 0.1, 8, 16).set_requires_grad(true);
        assertFalse(Bf16Linear.applies(bf16(rnd, 1, 2, 16), wg, null), "autograd needs LibTorch's linear");
        try (NoGradGuard ng = new NoGradGuard()) {
            assertEquals(on, Bf16Linear.applies(bf16(rnd, 1, 2, 16), wg, null), "no grad mode: nothing is recorded");
        }
        Bf16Linear.setEnabled(false);
        assertFalse(Bf16Linear.applies(bf16(rnd, 1, 2, 16), w, null), "switched off");
    }

    @Test
    void badArgumentsAreNamed() {
        Random rnd = new Random(2);
        Tensor x = bf16(rnd, 1, 2, 16), w = bf16(rnd, 0.1, 8, 16);
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Bf16Linear.forward(x.to(ScalarType.Float), w, null)).getMessage().startsWith("x must be bfloat16"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Bf16Linear.forward(x, bf16(rnd, 0.1, 8, 15), null)).getMessage().startsWith("x must end in K"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Bf16Linear.forward(x, w, bf16(rnd, 0.1, 7))).getMessage().startsWith("bias must be [8]"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Bf16Linear.forward(x, bf16(rnd, 0.1, 2, 8, 16), null)).getMessage().startsWith("weight must be"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Bf16Linear.forward(null, w, null)).getMessage().startsWith("x must be a defined"));
    }
}
