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
import org.eapo4j.nativelib.EapoNative;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each loss variant of the fused kernel (full logits) against float64 LibTorch autograd of the sources' formulas
 * ({@link VariantReference}): loss, per-token values, flags and dL/dlogits, fp32 and bf16, V = 1000 and 32000.
 */
@ParameterizedClass(name = "simd {0}")
@ValueSource(strings = {SimdPaths.AVX512, SimdPaths.AVX2})
class LossVariantsTest extends OnEachSimdPath {
    static final int B = 5, T = 6;

    static Stream<Arguments> grid() {
        List<Arguments> out = new ArrayList<>();
        for (ScalarType dt : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16})
            for (VariantCases v : VariantCases.values()) out.add(Arguments.of(dt, v, 1000L));
        out.add(Arguments.of(ScalarType.Float, VariantCases.ALL, 32000L));
        out.add(Arguments.of(ScalarType.BFloat16, VariantCases.ALL, 32000L));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} V={2}")
    @MethodSource("grid")
    void variantMatchesFloat64Autograd(ScalarType dtype, VariantCases variant, long v) {
        try (PointerScope scope = new PointerScope()) {
            Random rng = new Random(variant.ordinal() * 101L + v);
            double tau = 1.1;
            Tensor logits = KernelTestData.logits(rng, dtype, 2.0, B, T, v);
            Tensor y = KernelTestData.targets(rng, v, B, T);
            VariantCases.Built c = variant.build(logits, y, B, T, tau, rng);
            check(logits, y, c);
        }
    }

    static void check(Tensor logits, Tensor y, VariantCases.Built c) {
        ScalarType dtype = TensorChecks.dtype(logits);
        long v = logits.size(2);
        Tensor z = logits.detach().to(ScalarType.Double).reshape(-1, v).contiguous().clone();
        z.set_requires_grad(true);
        Tensor[] ref = VariantReference.lossTerms(z, y, c.in(), c.cfg(), new long[] {B, T});
        ref[0].backward();
        double[] refGrad = AutogradReference.doubles(z.grad());
        double[] coef = AutogradReference.doubles(c.in().coefficients());
        double[] refTl = AutogradReference.doubles(ref[3]), refH = AutogradReference.doubles(ref[2]);
        for (int i = 0; i < coef.length; i++) if (coef[i] == 0) refTl[i] = 0;
        try (PolicyLossResult got = FusedKernels.policyLoss(logits, y, c.in(), c.cfg())) {
            double want = ref[0].item_double();
            assertEquals(want, got.loss(), 1e-6 + 1e-5 * Math.abs(want), "loss");
            assertClose("tokenLoss", AutogradReference.doubles(got.tokenLoss()), refTl, 5e-5, 5e-5);
            double[] g = AutogradReference.doubles(got.gradLogits());
            assertClose("dL/dlogits", g, refGrad, 2e-5 * maxAbs(refGrad) + 1e-12, storageRtol(dtype));
            checkFlags(got.clippedFlags(), c, coef, refH);
        }
    }

    /** The variant bits of the flags: exactly the tokens the reference masks, drops or penalises. */
    static void checkFlags(Tensor flags, VariantCases.Built c, double[] coef, double[] refH) {
        byte[] f = HostTensors.toBytes(flags);
        byte[] keep = c.in().pgKeep() == null ? null : HostTensors.toBytes(c.in().pgKeep());
        float[] akl = c.in().absKlCoef() == null ? null : HostTensors.toFloats(c.in().absKlCoef());
        int dropped = 0, masked = 0;
        for (int i = 0; i < f.length; i++) {
            if (coef[i] == 0) {
                assertEquals(0, f[i], "flags of a padding token");
                continue;
            }
            boolean m = c.cfg().entropyThreshold() > 0 && refH[i] < c.cfg().entropyThreshold();
            boolean d = keep != null && keep[i] == 0;
            boolean k = akl != null && akl[i] != 0;
            assertEquals(m, (f[i] & EapoNative.EAPO_FLAG_ENTROPY_MASKED) != 0, "entropy-masked flag " + i);
            assertEquals(d, (f[i] & EapoNative.EAPO_FLAG_PG_DROPPED) != 0, "pg-dropped flag " + i);
            assertEquals(k, (f[i] & EapoNative.EAPO_FLAG_KL_COV) != 0, "kl-cov flag " + i);
            if (m) masked++;
            if (d) dropped++;
        }
        if (c.cfg().entropyThreshold() > 0) assertTrue(masked > 0, "some tokens below the entropy threshold");
        if (keep != null) assertTrue(dropped > 0, "some tokens dropped by Clip-Cov");
    }

    /** Neutral variant inputs (keep all, zero KL-Cov coefficients, threshold 0) give the plain call's exact bits. */
    @Test
    void neutralVariantInputsAreBitForBitThePlainLoss() {
        try (PointerScope scope = new PointerScope()) {
            for (ScalarType dt : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16}) {
                Random rng = new Random(3);
                Tensor logits = KernelTestData.logits(rng, dt, 2.0, B, T, 500);
                Tensor y = KernelTestData.targets(rng, 500, B, T);
                PolicyLossInputs plain = FusedKernelsTest.inputs(logits, y, 1.0, rng);
                PolicyLossConfig cfg = FusedKernelsTest.fullConfig();
                byte[] ones = new byte[B * T];
                java.util.Arrays.fill(ones, (byte) 1);
                PolicyLossInputs neutral = plain.withVariants(null, HostTensors.fromBytes(ones, B, T),
                        KernelTestData.constant(0f, B, T));
                try (PolicyLossResult a = FusedKernels.policyLoss(logits, y, plain, cfg);
                     PolicyLossResult b = FusedKernels.policyLoss(logits, y, neutral,
                             cfg.toBuilder().entropyThreshold(0).surrogate(Surrogate.CLIPPED).build())) {
                    assertEquals(a.loss(), b.loss(), 0.0, "loss");
                    assertArrayEquals(HostTensors.toBytes(a.gradLogits().view(-1).to(ScalarType.Float)),
                            HostTensors.toBytes(b.gradLogits().view(-1).to(ScalarType.Float)), "gradient bits");
                    assertArrayEquals(HostTensors.toFloats(a.tokenLoss()), HostTensors.toFloats(b.tokenLoss()));
                    assertArrayEquals(HostTensors.toBytes(a.clippedFlags()), HostTensors.toBytes(b.clippedFlags()));
                }
            }
        }
    }

    /** The variants' shares from the flags: what the trainer logs. */
    @Test
    void metricsCountTheFlaggedLiveTokens() {
        try (PointerScope scope = new PointerScope()) {
            Random rng = new Random(9);
            Tensor logits = KernelTestData.logits(rng, ScalarType.Float, 2.0, B, T, 300);
            Tensor y = KernelTestData.targets(rng, 300, B, T);
            VariantCases.Built c = VariantCases.ALL.build(logits, y, B, T, 1.0, rng);
            try (PolicyLossResult r = FusedKernels.policyLoss(logits, y, c.in(), c.cfg())) {
                LossVariantMetrics m = LossVariantMetrics.of(r.clippedFlags(), c.in().coefficients());
                byte[] keep = HostTensors.toBytes(c.in().pgKeep());
                float[] akl = HostTensors.toFloats(c.in().absKlCoef());
                long live = 0, dropped = 0, kl = 0;
                for (int i = 0; i < c.mask().length; i++) {
                    if (c.mask()[i] == 0) continue;
                    live++;
                    if (keep[i] == 0) dropped++;
                    if (akl[i] != 0) kl++;
                }
                assertEquals(live, m.liveTokens());
                assertEquals((double) dropped / live, m.pgDropped(), 1e-12);
                assertEquals((double) kl / live, m.klCov(), 1e-12);
                assertTrue(m.entropyMasked() > 0 && m.entropyMasked() < 1, "entropy-masked share " + m.entropyMasked());
                assertEquals(r.clipFraction(), m.clipped(), 1e-12);
            }
        }
    }
}
