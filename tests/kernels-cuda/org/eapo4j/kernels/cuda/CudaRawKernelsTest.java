package org.eapo4j.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.ShortPointer;
import org.eapo4j.kernels.cuda.CudaRawKernels.Geometry;
import org.eapo4j.kernels.cuda.CudaRawKernels.LossConfig;
import org.eapo4j.nativelib.EapoNative;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link CudaRawKernels} and {@link CudaMemory}: argument validation and clean failures everywhere; on a machine with
 * a CUDA device and the JavaCPP CUDA presets' natives, an end-to-end run (upload, both kernels, download) compared
 * with the CPU kernels of the same library. The GPU tests are skipped, with the reason, elsewhere.
 */
class CudaRawKernelsTest {
    private static final LossConfig CFG = new LossConfig(0.9f, 0.2f, 0.28f, 3.0f, 0.0f, 0.01f);

    @Test
    void validatesArgumentsInJava() {
        Geometry g = Geometry.contiguous(4, 100);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CudaRawKernels.tokenStats(0, EapoNative.EAPO_F32, g, 64, 1f, 64, 64, 0));
        assertTrue(e.getMessage().contains("logits"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CudaRawKernels.tokenStats(64, 7, g, 64, 1f, 64, 64, 0));
        assertTrue(e.getMessage().contains("dtype"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CudaRawKernels.tokenStats(64, EapoNative.EAPO_F32, g, 0, 1f, 64, 64, 0));
        assertTrue(e.getMessage().contains("targets"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CudaRawKernels.tokenStats(64, EapoNative.EAPO_F32, g, 64, 0f, 64, 64, 0));
        assertTrue(e.getMessage().contains("temperature"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CudaRawKernels.tokenStats(66, EapoNative.EAPO_F32, g, 64, 1f, 64, 64, 0));
        assertTrue(e.getMessage().contains("aligned"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Geometry(1, 4, 400, 50, 100));
        assertTrue(e.getMessage().contains("strideInner"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LossConfig(1f, 1.5f, 0.2f, 3f, 0f, 0f));
        assertTrue(e.getMessage().contains("clipLow"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CudaRawKernels.policyLoss(64, EapoNative.EAPO_BF16, g, 64, 64, 0, 0, 64, 64, CFG, false,
                        0, 0, 0, 0, 0, 400, 100, 0));
        assertTrue(e.getMessage().contains("advantages"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CudaRawKernels.policyLoss(64, EapoNative.EAPO_BF16, g, 64, 64, 0, 64, 64, 64, CFG, false,
                        0, 0, 0, 0, 64, 400, 50, 0));
        assertTrue(e.getMessage().contains("grad"), e.getMessage());
    }

    private static final long A = 1L << 20;   // fake, aligned device addresses: validation never touches them

    private static void expectOverlap(org.junit.jupiter.api.function.Executable call, String output, String other) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(output) && e.getMessage().contains("overlaps") && e.getMessage().contains(other),
                e.getMessage());
    }

    @Test
    void outputsOverlappingInputsOrEachOtherAreRefused() {
        Geometry g = Geometry.contiguous(4, 100);   // logits: 4 x 100 fp32 = 1600 bytes at A
        long y = A + 4096, lp = A + 8192, en = A + 12288;
        expectOverlap(() -> CudaRawKernels.tokenStats(A, EapoNative.EAPO_F32, g, y, 1f, A + 1584, en, 0), "logpOut",
                "logits");
        expectOverlap(() -> CudaRawKernels.tokenStats(A, EapoNative.EAPO_F32, g, y, 1f, lp, lp + 8, 0), "logpOut",
                "entropyOut");
        expectOverlap(() -> CudaRawKernels.tokenStats(A, EapoNative.EAPO_F32, g, y, 1f, lp, y + 16, 0), "entropyOut",
                "targets");
        long old = A + 16384, adv = A + 20480, w = A + 24576, c = A + 28672, tl = A + 32768, fl = A + 36864;
        long grad = A + 65536;
        // the gradient over the logits shifted by one row
        expectOverlap(() -> CudaRawKernels.policyLoss(A, EapoNative.EAPO_F32, g, y, old, 0, adv, w, c, CFG, false,
                tl, lp, en, fl, A + 400, 400, 100, 0), "grad", "logits");
        expectOverlap(() -> CudaRawKernels.policyLoss(A, EapoNative.EAPO_F32, g, y, old, 0, adv, w, c, CFG, false,
                tl, lp, en, fl, adv - 1596, 400, 100, 0), "grad", "advantages");
        expectOverlap(() -> CudaRawKernels.policyLoss(A, EapoNative.EAPO_F32, g, y, old, 0, adv, w, c, CFG, false,
                tl, lp, en, tl + 15, grad, 400, 100, 0), "tokenLoss", "flags");
        expectOverlap(() -> CudaRawKernels.policyLoss(A, EapoNative.EAPO_F32, g, y, old, old, adv, w, c, CFG, false,
                tl, old, en, fl, grad, 400, 100, 0), "logpOut", "oldLogp");
        long ref = A + 40960, kl = A + 45056;
        expectOverlap(() -> CudaRawKernels.policyLoss(A, EapoNative.EAPO_F32, g, y, old, ref, adv, w, c, CFG, false,
                tl, lp, en, ref + 4, fl, grad, 400, 100, 0), "klOut", "refLogp");
        expectOverlap(() -> CudaRawKernels.policyLoss(A, EapoNative.EAPO_F32, g, y, old, ref, adv, w, c, CFG, false,
                kl + 12, lp, en, kl, fl, grad, 400, 100, 0), "tokenLoss", "klOut");
        // inputs may share memory (read only); an in-place gradient passes validation and reaches the native layer
        IllegalStateException ok = assertThrows(IllegalStateException.class, () -> CudaRawKernels.policyLoss(A,
                EapoNative.EAPO_F32, g, y, old, old, adv, adv, c, CFG, false, tl, lp, en, fl, A, 400, 100, 0));
        assertTrue(ok.getMessage().contains("eapo_policy_loss_cuda"), ok.getMessage());
    }

    @Test
    void scalarsMustBeNormalFloats() {
        Geometry g = Geometry.contiguous(4, 100);
        for (float t : new float[] {1e-40f, Float.MIN_VALUE, -0f, Float.NaN, Float.POSITIVE_INFINITY, 1e38f}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CudaRawKernels.tokenStats(A, EapoNative.EAPO_F32, g, A + 4096, t, A + 8192, A + 12288, 0));
            assertTrue(e.getMessage().contains("temperature"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new LossConfig(t, 0.2f, 0.2f, 0f, 0f, 0f));
        }
        float[] bad = {1e-40f, -1e-40f, Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY};
        String[] names = {"clipLow", "clipHigh", "dualClip", "klBeta", "entropyCoef"};
        for (float v : bad) {
            for (int k = 0; k < names.length; k++) {
                float[] p = {0.2f, 0.2f, 0f, 0f, 0f};
                p[k] = v;
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> new LossConfig(1f, p[0], p[1], p[2], p[3], p[4]));
                assertTrue(e.getMessage().contains(names[k]), e.getMessage());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new LossConfig(1f, 0.2f, 0.2f, 0f, -0.1f, 0f));
        new LossConfig(1f, 0f, 0f, 0.5f, 0f, -0.01f);   // dualClip <= 1 means off in this API
    }

    @Test
    void rawAddressesKeepTheirValue() {
        // Found on the GPU machine: a shadowed name once made every wrapped device address null.
        assertEquals(0x7f00_1234_5600L, CudaMemory.at(0x7f00_1234_5600L).address());
    }

    @Test
    void nativeFailureIsAnIllegalStateException() {
        // Plausible but fake device addresses: without a device the library says ENODEV, with one it refuses the
        // addresses (not CUDA memory). Either way a clean exception, never a crash.
        Geometry g = Geometry.contiguous(2, 8);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> CudaRawKernels.tokenStats(4096, EapoNative.EAPO_F32, g, 4096, 1f, 8192, 12288, 0));
        assertTrue(e.getMessage().contains("eapo_token_stats_cuda"), e.getMessage());
        if (EapoNative.eapo_cuda_device_count() == 0) {
            assertTrue(e.getMessage().contains("EAPO_ENODEV"), e.getMessage());
            assertFalse(CudaRawKernels.isAvailable());
            assertFalse(CudaMemory.isAvailable());
            assertFalse(CudaMemory.unavailableReason().isEmpty());
        }
    }

    private static void assumeGpu() {
        assumeTrue(EapoNative.eapo_cuda_compiled() == 1,
                "skipped: libeapo4j was built without CUDA (nvcc not found at build time)");
        assumeTrue(EapoNative.eapo_cuda_device_count() > 0,
                "skipped: no CUDA device (EapoNative.eapo_cuda_device_count() == 0)");
        assumeTrue(CudaMemory.isAvailable(), "skipped: " + CudaMemory.unavailableReason());
    }

    static short bf16(float f) {
        int b = Float.floatToRawIntBits(f);
        return (short) ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16);
    }

    static float bf16ToFloat(short h) {
        return Float.intBitsToFloat((h & 0xffff) << 16);
    }

    @Tag("gpu")
    @Test
    void endToEndMatchesTheCpuKernelsF32() {
        endToEnd(EapoNative.EAPO_F32);
    }

    @Tag("gpu")
    @Test
    void endToEndMatchesTheCpuKernelsBf16() {
        endToEnd(EapoNative.EAPO_BF16);
    }

    private static void endToEnd(int dtype) {
        assumeGpu();
        final int n = 24, v = 5003;
        Random rnd = new Random(7);
        float[] z = new float[n * v];
        for (int i = 0; i < z.length; i++) z[i] = (float) rnd.nextGaussian() * 3f;
        z[1] = Float.NEGATIVE_INFINITY;
        short[] zh = new short[z.length];
        if (dtype == EapoNative.EAPO_BF16) {
            for (int i = 0; i < z.length; i++) {
                zh[i] = bf16(z[i]);
                z[i] = bf16ToFloat(zh[i]);
            }
        }
        long[] y = new long[n];
        float[] old = new float[n], ref = new float[n], adv = new float[n], w = new float[n], c = new float[n];
        for (int r = 0; r < n; r++) {
            y[r] = 2 + rnd.nextInt(v - 2);
            old[r] = -9f + 0.5f * (r % 5);
            ref[r] = old[r] + 0.25f * ((r % 3) - 1);  // k3 is reported with klBeta = 0 (CFG): monitoring only
            adv[r] = (r % 2 == 0) ? 1f : -0.7f;
            w[r] = 1f;
            c[r] = (r % 7 == 3) ? 0f : 1f / n;
        }
        Geometry g = Geometry.contiguous(n, v);

        // CPU reference through the same library.
        float[] cpuLogp = new float[n], cpuEnt = new float[n], cpuTl = new float[n], cpuKl = new float[n];
        float[] cpuGrad;
        double cpuLoss;
        try (Pointer zp = dtype == EapoNative.EAPO_F32 ? new FloatPointer(z) : new ShortPointer(zh);
             LongPointer yp = new LongPointer(y); FloatPointer op = new FloatPointer(old);
             FloatPointer ap = new FloatPointer(adv); FloatPointer wp = new FloatPointer(w);
             FloatPointer cp = new FloatPointer(c); FloatPointer lp = new FloatPointer(n);
             FloatPointer ep = new FloatPointer(n); FloatPointer tp = new FloatPointer(n);
             FloatPointer rp = new FloatPointer(ref); FloatPointer kp = new FloatPointer(n);
             BytePointer fp = new BytePointer(n);
             Pointer gp = dtype == EapoNative.EAPO_F32 ? new FloatPointer((long) n * v) : new ShortPointer((long) n * v);
             DoublePointer loss = new DoublePointer(1);
             EapoNative.PolicyLossArgs args = new EapoNative.PolicyLossArgs()) {
            args.logits(zp.address()).dtype(dtype).rows_outer(1).rows_inner(n).stride_outer((long) n * v)
                    .stride_inner(v).vocab(v).targets(yp.address()).old_logp(op.address()).advantages(ap.address())
                    .weights(wp.address()).coefs(cp.address()).ref_logp(rp.address()).kl(kp.address());
            args.temperature(CFG.temperature()).clip_low(CFG.clipLow()).clip_high(CFG.clipHigh())
                    .dual_clip(CFG.dualClip()).kl_beta(0f).entropy_coef(CFG.entropyCoef());
            args.batch_loss(loss.address()).token_loss(tp.address()).logp(lp.address()).entropy(ep.address())
                    .flags(fp.address()).grad(gp.address()).grad_stride_outer((long) n * v).grad_stride_inner(v);
            byte[] err = new byte[256];
            assertEquals(EapoNative.EAPO_OK, EapoNative.eapo_policy_loss_cpu(args, err, err.length));
            cpuLoss = loss.get();
            lp.get(cpuLogp);
            ep.get(cpuEnt);
            tp.get(cpuTl);
            kp.get(cpuKl);
            cpuGrad = new float[n * v];
            if (dtype == EapoNative.EAPO_F32) {
                ((FloatPointer) gp).get(cpuGrad);
            } else {
                short[] s = new short[n * v];
                ((ShortPointer) gp).get(s);
                for (int i = 0; i < s.length; i++) cpuGrad[i] = bf16ToFloat(s[i]);
            }
        }

        try (CudaMemory.Stream stream = new CudaMemory.Stream();
             CudaMemory.Buffer dz = dtype == EapoNative.EAPO_F32 ? CudaMemory.Buffer.of(z) : CudaMemory.Buffer.of(zh);
             CudaMemory.Buffer dy = CudaMemory.Buffer.of(y); CudaMemory.Buffer dold = CudaMemory.Buffer.of(old);
             CudaMemory.Buffer dadv = CudaMemory.Buffer.of(adv); CudaMemory.Buffer dw = CudaMemory.Buffer.of(w);
             CudaMemory.Buffer dc = CudaMemory.Buffer.of(c); CudaMemory.Buffer dlp = CudaMemory.Buffer.allocate(4L * n);
             CudaMemory.Buffer den = CudaMemory.Buffer.allocate(4L * n);
             CudaMemory.Buffer dtl = CudaMemory.Buffer.allocate(4L * n);
             CudaMemory.Buffer dref = CudaMemory.Buffer.of(ref);
             CudaMemory.Buffer dkl = CudaMemory.Buffer.allocate(4L * n);
             CudaMemory.Buffer dfl = CudaMemory.Buffer.allocate(n);
             CudaMemory.Buffer dg = CudaMemory.Buffer.allocate((long) n * v * CudaRawKernels.elementSize(dtype))) {
            CudaRawKernels.tokenStats(dz.address(), dtype, g, dy.address(), CFG.temperature(), dlp.address(),
                    den.address(), stream.address());
            stream.synchronize();
            float[] lp = dlp.downloadFloats(n), en = den.downloadFloats(n);
            // Token stats of every row (coefficients play no part there) against the CPU kernel on non-zero rows.
            for (int r = 0; r < n; r++) {
                if (c[r] == 0f) continue;
                assertEquals(cpuLogp[r], lp[r], 1e-4 * (1 + Math.abs(cpuLogp[r])), "logp row " + r);
                assertEquals(cpuEnt[r], en[r], 1e-4 * (1 + Math.abs(cpuEnt[r])), "entropy row " + r);
            }
            double loss = CudaRawKernels.policyLoss(dz.address(), dtype, g, dy.address(), dold.address(),
                    dref.address(), dadv.address(), dw.address(), dc.address(), CFG, true, dtl.address(),
                    dlp.address(), den.address(), dkl.address(), dfl.address(), dg.address(), (long) n * v, v,
                    stream.address());
            assertEquals(cpuLoss, loss, 1e-5 * (1 + Math.abs(cpuLoss)), "batch loss");
            float[] tl = dtl.downloadFloats(n);
            for (int r = 0; r < n; r++)
                assertEquals(cpuTl[r], tl[r], 1e-4 * (1 + Math.abs(cpuTl[r])), "token loss row " + r);
            float[] kl = dkl.downloadFloats(n);
            for (int r = 0; r < n; r++)
                assertEquals(cpuKl[r], kl[r], 1e-4 * (1 + Math.abs(cpuKl[r])), "k3 KL row " + r);
            float[] grad = new float[n * v];
            if (dtype == EapoNative.EAPO_F32) {
                grad = dg.downloadFloats(n * v);
            } else {
                short[] s = dg.downloadShorts(n * v);
                for (int i = 0; i < s.length; i++) grad[i] = bf16ToFloat(s[i]);
            }
            double rtol = dtype == EapoNative.EAPO_F32 ? 1e-4 : 1.6e-2;
            for (int i = 0; i < grad.length; i++) {
                double tol = 1e-7 + rtol * Math.abs(cpuGrad[i]);
                if (Math.abs(grad[i] - cpuGrad[i]) > tol)
                    throw new AssertionError("grad[" + i + "] = " + grad[i] + ", CPU " + cpuGrad[i]);
            }
        }
    }
}
