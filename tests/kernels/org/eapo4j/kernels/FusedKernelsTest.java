package org.eapo4j.kernels;

import static org.eapo4j.kernels.KernelTestData.assertClose;
import static org.eapo4j.kernels.KernelTestData.maxAbs;
import static org.eapo4j.kernels.KernelTestData.storageRtol;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The fused kernels against float64 LibTorch autograd of SPEC.md (see {@link AutogradReference}). */
@ParameterizedClass(name = "simd {0}")
@ValueSource(strings = {SimdPaths.AVX512, SimdPaths.AVX2})
class FusedKernelsTest extends OnEachSimdPath {

    /** V of 1, 7, 1000, 32000, 151936 and N of 1 up to a few dozen (thousands of rows: see the [B, T, V] test). */
    static Stream<Arguments> grid() {
        List<Arguments> out = new ArrayList<>();
        long[][] shapes = {{1, 1}, {64, 1}, {1, 7}, {64, 7}, {48, 1000}, {6, 32000}, {1, 151936}, {3, 151936}};
        for (ScalarType dt : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16, ScalarType.Half})
            for (long[] s : shapes) out.add(Arguments.of(dt, s[0], s[1]));
        return out.stream();
    }

    static double[] values(Tensor t) {
        return AutogradReference.doubles(t);
    }

    @ParameterizedTest(name = "{0} N={1} V={2}")
    @MethodSource("grid")
    void tokenStatsMatchesFloat64Reference(ScalarType dtype, long n, long v) {
        try (PointerScope scope = new PointerScope()) {
            Random rng = new Random(n * 31 + v);
            Tensor logits = KernelTestData.logits(rng, dtype, 3.0, n, v);
            Tensor y = KernelTestData.targets(rng, v, n);
            for (double tau : new double[] {1.0, 0.7}) {
                TokenStats got = FusedKernels.tokenStats(logits, y, tau);
                AutogradReference ref = AutogradReference.tokenStats(logits, y, tau);
                assertClose("logp", values(got.logProbs()), ref.logp, 5e-5, 2e-5);
                assertClose("entropy", values(got.entropy()), ref.entropy, 5e-5, 2e-5);
            }
        }
    }

    static PolicyLossConfig fullConfig() {
        return PolicyLossConfig.builder().temperature(1.3).clipLow(0.2).clipHigh(0.28).dualClip(3.0).klBeta(0.05)
                .entropyCoef(0.01).build();
    }

    /** Inputs exercising both clip sides, the dual clip, KL, the entropy bonus and zero-coefficient rows. */
    static PolicyLossInputs inputs(Tensor logits, Tensor y, double tau, Random rng) {
        long[] lead = TensorChecks.shape(y);
        long n = KernelTestData.product(lead);
        try (TokenStats st = FusedKernels.tokenStats(logits, y, tau)) {
            Tensor old = KernelTestData.oldAround(st.logProbs(), rng);
            Tensor ref = KernelTestData.oldAround(st.logProbs(), rng);
            float[] a = new float[(int) n], w = new float[(int) n], c = new float[(int) n];
            for (int i = 0; i < n; i++) {
                a[i] = (float) ((i % 3 == 0 ? -1 : 1) * (0.2 + rng.nextDouble()));
                w[i] = a[i] > 0 ? 0.7f : 1.0f;
                c[i] = (i % 5 == 4) ? 0f : (float) (1.0 / n);  // every fifth row is padding
            }
            return new PolicyLossInputs(old, ref, HostTensors.fromFloats(a, lead), HostTensors.fromFloats(w, lead),
                    HostTensors.fromFloats(c, lead));
        }
    }

    /** Compares one policy-loss call with autograd; zero-coefficient rows must come back as zeros. */
    static void checkPolicyLoss(Tensor logits, Tensor y, PolicyLossInputs in, PolicyLossConfig cfg, ScalarType dtype) {
        AutogradReference ref = AutogradReference.policyLoss(logits, y, in, cfg);
        try (PolicyLossResult got = FusedKernels.policyLoss(logits, y, in, cfg)) {
            assertArrayEquals(TensorChecks.shape(logits), TensorChecks.shape(got.gradLogits()), "grad shape");
            assertEquals(dtype, TensorChecks.dtype(got.gradLogits()), "grad dtype");
            assertEquals(ref.loss, got.loss(), 1e-6 + 1e-5 * Math.abs(ref.loss), "loss");
            double[] c = values(in.coefficients());
            double[] logp = values(got.logProbs()), ent = values(got.entropy()), tl = values(got.tokenLoss());
            double[] refLogp = ref.logp.clone(), refEnt = ref.entropy.clone(), refTl = ref.tokenLoss.clone();
            // k3 from the float64 log-probs whenever a reference is given (also with klBeta = 0); zeros without one.
            double[] refKl = ref.kl == null ? new double[c.length] : ref.kl.clone();
            for (int i = 0; i < c.length; i++)
                if (c[i] == 0) refLogp[i] = refEnt[i] = refTl[i] = refKl[i] = 0;  // skipped rows report zeros
            assertClose("logp", logp, refLogp, 5e-5, 2e-5);
            assertClose("entropy", ent, refEnt, 5e-5, 2e-5);
            assertClose("tokenLoss", tl, refTl, 5e-5, 5e-5);
            assertArrayEquals(TensorChecks.shape(got.logProbs()), TensorChecks.shape(got.klPerToken()), "kl shape");
            assertEquals(ScalarType.Float, TensorChecks.dtype(got.klPerToken()), "kl dtype");
            assertClose("klPerToken", values(got.klPerToken()), refKl, 5e-5, 2e-5);
            double[] g = values(got.gradLogits());
            assertClose("dL/dlogits", g, ref.grad, 2e-5 * maxAbs(ref.grad) + 1e-12, storageRtol(dtype));
        }
    }

    @ParameterizedTest(name = "{0} N={1} V={2}")
    @MethodSource("grid")
    void policyLossMatchesAutograd(ScalarType dtype, long n, long v) {
        try (PointerScope scope = new PointerScope()) {
            Random rng = new Random(n * 17 + v);
            Tensor logits = KernelTestData.logits(rng, dtype, 2.0, n, v);
            Tensor y = KernelTestData.targets(rng, v, n);
            PolicyLossConfig cfg = fullConfig();
            checkPolicyLoss(logits, y, inputs(logits, y, cfg.temperature(), rng), cfg, dtype);
        }
    }

    @Test
    void policyLossEachFeatureAlone() {
        try (PointerScope scope = new PointerScope()) {
            Random rng = new Random(7);
            Tensor logits = KernelTestData.logits(rng, ScalarType.Float, 2.0, 40, 300);
            Tensor y = KernelTestData.targets(rng, 300, 40);
            PolicyLossInputs in = inputs(logits, y, 1.0, rng);
            PolicyLossConfig base = PolicyLossConfig.builder().build();
            for (PolicyLossConfig cfg : new PolicyLossConfig[] {
                    base,
                    base.toBuilder().clipLow(0.1).clipHigh(0.5).build(),
                    base.toBuilder().dualClip(1.5).build(),
                    base.toBuilder().klBeta(0.2).build(),
                    base.toBuilder().entropyCoef(0.05).build(),
                    base.toBuilder().temperature(0.6).build()}) {
                checkPolicyLoss(logits, y, in, cfg, ScalarType.Float);
            }
        }
    }

    @Test
    void thousandsOfRowsAsBatchTimeTensor() {
        try (PointerScope scope = new PointerScope()) {
            Random rng = new Random(11);
            Tensor logits = KernelTestData.logits(rng, ScalarType.Float, 2.0, 8, 400, 7);  // N = 3200
            Tensor y = KernelTestData.targets(rng, 7, 8, 400);
            PolicyLossConfig cfg = fullConfig();
            checkPolicyLoss(logits, y, inputs(logits, y, cfg.temperature(), rng), cfg, ScalarType.Float);
            Tensor big = KernelTestData.logits(rng, ScalarType.BFloat16, 2.0, 2048, 1000);
            Tensor yb = KernelTestData.targets(rng, 1000, 2048);
            checkPolicyLoss(big, yb, inputs(big, yb, cfg.temperature(), rng), cfg, ScalarType.BFloat16);
            try (TokenStats st = FusedKernels.tokenStats(logits, y, 1.0)) {
                assertArrayEquals(new long[] {8, 400}, TensorChecks.shape(st.logProbs()));
            }
        }
    }

    @Test
    void stridedViewsNeedNoCopyAndMatch() {
        try (PointerScope scope = new PointerScope()) {
            Random rng = new Random(5);
            // logits[:, :-1, :] of a [B, T + 1, V] tensor, as a causal LM produces them.
            Tensor full = KernelTestData.logits(rng, ScalarType.BFloat16, 2.0, 3, 9, 50);
            Tensor view = full.narrow(1, 0, 8);
            assertTrue(!view.is_contiguous());
            Tensor y = KernelTestData.targets(rng, 50, 3, 8);
            PolicyLossConfig cfg = fullConfig();
            PolicyLossInputs in = inputs(view, y, cfg.temperature(), rng);
            checkPolicyLoss(view, y, in, cfg, ScalarType.BFloat16);
            // Rows padded in memory: [N, V + 5] narrowed to V.
            Tensor wide = KernelTestData.logits(rng, ScalarType.Float, 2.0, 24, 45);
            Tensor rows = wide.narrow(1, 0, 40);
            Tensor y2 = KernelTestData.targets(rng, 40, 24);
            checkPolicyLoss(rows, y2, inputs(rows, y2, cfg.temperature(), rng), cfg, ScalarType.Float);
            TokenStats a = FusedKernels.tokenStats(rows, y2, 1.0);
            TokenStats b = FusedKernels.tokenStats(rows.contiguous(), y2, 1.0);
            assertArrayEquals(HostTensors.toFloats(b.logProbs()), HostTensors.toFloats(a.logProbs()));
        }
    }

    @Test
    void extremeLogitsStayExact() {
        try (PointerScope scope = new PointerScope()) {
            int n = 6, v = 500;
            float[] z = new float[n * v];
            Random rng = new Random(3);
            for (int i = 0; i < z.length; i++) z[i] = (float) rng.nextGaussian();
            for (int j = 0; j < v; j++) z[j] = (j % 2 == 0) ? 1e4f : -1e4f;            // row 0: +-1e4
            for (int j = 0; j < v; j += 3) z[v + j] = Float.NEGATIVE_INFINITY;          // row 1: masked entries
            for (int j = 0; j < v; j++) z[2 * v + j] = (j == 17) ? 1e4f : 0f;          // row 2: one-hot-like
            for (int j = 0; j < v; j++) z[3 * v + j] = (j == 5) ? 2f : Float.NEGATIVE_INFINITY;  // row 3: one live
            for (int j = 0; j < v; j++) z[4 * v + j] = -1e4f + j * 1e-2f;              // row 4: large negative
            long[] yv = {2, 4, 17, 5, 499, 9};
            Tensor logits = HostTensors.fromFloats(z, n, v);
            Tensor y = HostTensors.fromLongs(yv, n);
            for (ScalarType dt : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16}) {
                Tensor lt = logits.to(dt);
                TokenStats st = FusedKernels.tokenStats(lt, y, 1.0);
                AutogradReference ref = AutogradReference.tokenStats(lt, y, 1.0);
                assertClose("logp " + dt, values(st.logProbs()), ref.logp, 1e-3, 1e-6);
                assertClose("entropy " + dt, values(st.entropy()), ref.entropy, 1e-4, 1e-5);
                double[] h = values(st.entropy());
                for (double x : h) assertTrue(Double.isFinite(x) && x >= 0, "entropy finite and >= 0: " + x);
                Random r2 = new Random(4);
                PolicyLossConfig cfg = PolicyLossConfig.builder().clipHigh(0.28).entropyCoef(0.01).build();
                PolicyLossInputs in = new PolicyLossInputs(KernelTestData.oldAround(st.logProbs(), r2), null,
                        KernelTestData.uniform(r2, -1, 1, n), KernelTestData.constant(1f, n),
                        KernelTestData.constant(1f / n, n));
                try (PolicyLossResult res = FusedKernels.policyLoss(lt, y, in, cfg)) {
                    double[] g = values(res.gradLogits());
                    for (double x : g) assertTrue(Double.isFinite(x), "gradient must be finite with -inf entries");
                    for (int j = 0; j < v; j += 3) assertEquals(0.0, g[v + j], "masked entry gets zero gradient");
                }
                checkPolicyLoss(lt, y, in, cfg, dt);
            }
        }
    }

    /** Rows longer than the CPU kernel's block (1024), whose max arrives late: each rebase path of the online max. */
    /**
     * Rows of several blocks through the policy loss: a masked vocabulary tail, -inf inside a later block, and late
     * maxima far above the first block's (the AVX-512 path sweeps without masks and redoes such blocks, and its
     * gradient reuses the exponentials kept from the statistics sweep).
     */
    @Test
    void maskedTailAndLateMaximaInThePolicyLoss() {
        try (PointerScope scope = new PointerScope()) {
            int n = 4, v = 7000;
            float[] z = new float[n * v];
            Random rng = new Random(23);
            for (int i = 0; i < z.length; i++) z[i] = (float) (2 * rng.nextGaussian());
            for (int j = 6000; j < v; j++) z[j] = Float.NEGATIVE_INFINITY;         // row 0: masked tail
            for (int j = 2500; j < 2600; j++) z[v + j] = Float.NEGATIVE_INFINITY;  // row 1: -inf within a later block
            z[2 * v + 5000] = 40f;                                                 // row 2: late maximum, +40
            z[3 * v + 4500] = 80f;                                                 // row 3: late maximum, +80
            Tensor logits = HostTensors.fromFloats(z, n, v);
            Tensor y = HostTensors.fromLongs(new long[] {10, 2449, 5000, 4500}, n);
            for (ScalarType dt : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16}) {
                for (double tau : new double[] {1.0, 1.3}) {
                    Tensor lt = logits.to(dt);
                    PolicyLossConfig cfg = PolicyLossConfig.builder().temperature(tau).clipHigh(0.28).entropyCoef(0.01)
                            .build();
                    PolicyLossInputs in = inputs(lt, y, tau, new Random(5));
                    checkPolicyLoss(lt, y, in, cfg, dt);
                    try (PolicyLossResult res = FusedKernels.policyLoss(lt, y, in, cfg)) {
                        double[] g = values(res.gradLogits());
                        for (int j = 6000; j < v; j++) assertEquals(0.0, g[j], "masked tail gets +0");
                        for (int j = 2500; j < 2600; j++) assertEquals(0.0, g[v + j], "masked entry gets +0");
                    }
                }
            }
        }
    }

    @Test
    void lateMaximaAndMaskedBlocks() {
        try (PointerScope scope = new PointerScope()) {
            int n = 6, v = 5000;
            float[] z = new float[n * v];
            Random rng = new Random(17);
            for (int i = 0; i < z.length; i++) z[i] = (float) rng.nextGaussian();
            z[2000] = 500f;                                                        // row 0: jump > 64 in block 2
            z[v + 3100] = 30f;                                                     // row 1: jump < 64 in block 4
            for (int j = 0; j < 2048; j++) z[2 * v + j] = Float.NEGATIVE_INFINITY; // row 2: two masked blocks first
            z[3 * v + 4999] = Float.NaN;                                           // row 3: NaN in the tail block
            z[4 * v + 2500] = Float.POSITIVE_INFINITY;                             // row 4: +inf in a later block
            for (int j = 0; j < 1024; j++) z[5 * v + j] = Float.NEGATIVE_INFINITY; // row 5: NaN in a masked block
            z[5 * v + 10] = Float.NaN;
            Tensor logits = HostTensors.fromFloats(z, n, v);
            Tensor y = HostTensors.fromLongs(new long[] {2000, 7, 3000, 1, 2, 4000}, n);
            TokenStats st = FusedKernels.tokenStats(logits, y, 1.0);
            AutogradReference ref = AutogradReference.tokenStats(logits, y, 1.0);
            double[] lp = values(st.logProbs()), h = values(st.entropy());
            for (int r : new int[] {0, 1, 2}) {
                assertEquals(ref.logp[r], lp[r], 1e-4, "logp row " + r);
                assertEquals(ref.entropy[r], h[r], 1e-4, "entropy row " + r);
            }
            for (int r : new int[] {3, 4, 5})
                assertTrue(Double.isNaN(lp[r]) && Double.isNaN(h[r]), "row " + r + " must be NaN");
        }
    }

    @Test
    void nanRowGivesNanForThatRowOnly() {
        try (PointerScope scope = new PointerScope()) {
            Random rng = new Random(9);
            float[] z = new float[4 * 30];
            for (int i = 0; i < z.length; i++) z[i] = (float) rng.nextGaussian();
            z[30 + 7] = Float.NaN;
            z[90 + 2] = Float.POSITIVE_INFINITY;
            Tensor logits = HostTensors.fromFloats(z, 4, 30);
            Tensor y = HostTensors.fromLongs(new long[] {1, 2, 3, 4}, 4);
            TokenStats st = FusedKernels.tokenStats(logits, y, 1.0);
            double[] lp = values(st.logProbs()), h = values(st.entropy());
            assertTrue(Double.isNaN(lp[1]) && Double.isNaN(h[1]), "NaN row -> NaN stats");
            assertTrue(Double.isNaN(lp[3]) && Double.isNaN(h[3]), "+inf row -> NaN stats");
            assertTrue(Double.isFinite(lp[0]) && Double.isFinite(lp[2]) && Double.isFinite(h[0]) && Double.isFinite(h[2]));
            PolicyLossInputs in = new PolicyLossInputs(KernelTestData.constant(-3f, 4), null,
                    KernelTestData.constant(1f, 4), KernelTestData.constant(1f, 4), KernelTestData.constant(0.25f, 4));
            try (PolicyLossResult r = FusedKernels.policyLoss(logits, y, in, PolicyLossConfig.DEFAULT)) {
                assertTrue(Double.isNaN(r.loss()), "batch loss is NaN when a live row is NaN");
                double[] g = values(r.gradLogits());
                for (int j = 0; j < 30; j++) {
                    assertTrue(Double.isFinite(g[j]), "row 0 stays finite");
                    assertTrue(Double.isNaN(g[30 + j]), "row 1 is NaN");
                }
            }
        }
    }

    @Test
    void inPlaceGradientAndReusedBufferMatchFreshGradient() {
        try (PointerScope scope = new PointerScope()) {
            Random rng = new Random(21);
            Tensor logits = KernelTestData.logits(rng, ScalarType.Half, 2.0, 2, 5, 333);
            Tensor y = KernelTestData.targets(rng, 333, 2, 5);
            PolicyLossConfig cfg = fullConfig();
            PolicyLossInputs in = inputs(logits, y, cfg.temperature(), rng);
            PolicyLossResult fresh = FusedKernels.policyLoss(logits, y, in, cfg);
            Tensor buffer = logits.clone().zero_();
            for (int rep = 0; rep < 2; rep++) {
                PolicyLossResult reused = FusedKernels.policyLoss(logits, y, in, cfg, buffer);
                assertEquals(buffer.data_ptr().address(), reused.gradLogits().data_ptr().address());
                assertArrayEquals(HostTensors.toFloats(fresh.gradLogits()), HostTensors.toFloats(buffer));
                assertEquals(fresh.loss(), reused.loss());
            }
            Tensor work = logits.clone();
            PolicyLossResult inPlace = FusedKernels.policyLoss(work, y, in, cfg.toBuilder().gradInPlace(true).build());
            assertEquals(work.data_ptr().address(), inPlace.gradLogits().data_ptr().address(), "same storage");
            assertArrayEquals(HostTensors.toFloats(fresh.gradLogits()), HostTensors.toFloats(work));
            assertEquals(fresh.loss(), inPlace.loss());
        }
    }

    /**
     * A bf16 / fp16 gradient is the fp32 gradient of the same logit values rounded to nearest-even once
     * (LibTorch's conversion is the reference rounding): exact equality, so a truncating store cannot hide in a
     * tolerance.
     */
    @Test
    void lowPrecisionGradientIsTheRoundedFp32Gradient() {
        try (PointerScope scope = new PointerScope()) {
            for (ScalarType dt : new ScalarType[] {ScalarType.BFloat16, ScalarType.Half}) {
                Random rng = new Random(13);
                Tensor low = KernelTestData.logits(rng, dt, 2.0, 7, 2500);
                Tensor y = KernelTestData.targets(rng, 2500, 7);
                PolicyLossConfig cfg = fullConfig();
                PolicyLossInputs in = inputs(low, y, cfg.temperature(), rng);
                PolicyLossResult lowRes = FusedKernels.policyLoss(low, y, in, cfg);
                PolicyLossResult f32Res = FusedKernels.policyLoss(low.to(ScalarType.Float), y, in, cfg);
                Tensor rounded = f32Res.gradLogits().to(dt);
                assertArrayEquals(HostTensors.toFloats(rounded), HostTensors.toFloats(lowRes.gradLogits()), dt.name());
                assertEquals(f32Res.loss(), lowRes.loss(), dt.name());
            }
        }
    }

    @Test
    void resultsDoNotDependOnThreadCount() {
        try (PointerScope scope = new PointerScope()) {
            Random rng = new Random(2);
            Tensor logits = KernelTestData.logits(rng, ScalarType.Float, 2.0, 256, 600);
            Tensor y = KernelTestData.targets(rng, 600, 256);
            PolicyLossInputs in = inputs(logits, y, 1.0, rng);
            int before = FusedKernels.numThreads();
            try {
                FusedKernels.setNumThreads(1);
                PolicyLossResult one = FusedKernels.policyLoss(logits, y, in, PolicyLossConfig.DEFAULT);
                FusedKernels.setNumThreads(2);
                PolicyLossResult two = FusedKernels.policyLoss(logits, y, in, PolicyLossConfig.DEFAULT);
                assertArrayEquals(HostTensors.toFloats(one.gradLogits()), HostTensors.toFloats(two.gradLogits()));
                assertEquals(one.loss(), two.loss(), 1e-12 * (1 + Math.abs(one.loss())));
            } finally {
                FusedKernels.setNumThreads(before);
            }
        }
    }

    @Test
    void clipFractionCountsClippedLiveTokens() {
        try (PointerScope scope = new PointerScope()) {
            // rho = exp(logp - old): token 0 far above the range with A > 0 (clipped), token 1 inside (not clipped),
            // token 2 far below with A < 0 (clipped), token 3 clipped but with c = 0 (ignored).
            Tensor logits = HostTensors.fromFloats(new float[] {0, 0, 0, 0, 0, 0, 0, 0}, 4, 2);
            Tensor y = HostTensors.fromLongs(new long[] {0, 0, 0, 0}, 4);
            float lp = (float) Math.log(0.5);
            Tensor old = HostTensors.fromFloats(new float[] {lp - 1, lp, lp + 1, lp - 1}, 4);
            Tensor a = HostTensors.fromFloats(new float[] {1, 1, -1, 1}, 4);
            Tensor c = HostTensors.fromFloats(new float[] {1, 1, 1, 0}, 4);
            PolicyLossInputs in = new PolicyLossInputs(old, null, a, KernelTestData.constant(1f, 4), c);
            try (PolicyLossResult r = FusedKernels.policyLoss(logits, y, in, PolicyLossConfig.DEFAULT)) {
                assertEquals(2.0 / 3.0, r.clipFraction(), 1e-12);
                byte[] flags = HostTensors.toBytes(r.clippedFlags());
                assertArrayEquals(new byte[] {1, 0, 1, 0}, flags);
            }
        }
    }
}
