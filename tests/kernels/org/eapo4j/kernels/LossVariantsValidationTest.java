package org.eapo4j.kernels;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad loss-variant settings and inputs: an IllegalArgumentException naming the argument, before any native call. */
class LossVariantsValidationTest {
    static final int B = 2, T = 3, V = 50;

    static void expect(String argument, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(argument), "message should name " + argument + ": " + e.getMessage());
    }

    @Test
    void badConfigValues() {
        PolicyLossConfig.Builder b = PolicyLossConfig.builder();
        expect("entropyThreshold", () -> b.entropyThreshold(-0.1).build());
        expect("entropyThreshold", () -> PolicyLossConfig.builder().entropyThreshold(Double.NaN).build());
        expect("entropyThreshold", () -> PolicyLossConfig.builder().entropyThreshold(1e300).build());
        expect("dualClip", () -> PolicyLossConfig.builder().surrogate(Surrogate.CISPO).dualClip(3).build());
        expect("surrogate", () -> PolicyLossConfig.builder().surrogate(null).build());
        expect("importanceSamplingLevel", () -> PolicyLossConfig.builder().importanceSamplingLevel(null).build());
        expect("surrogate", () -> Surrogate.fromName("ppo"));
        expect("importance_sampling_level", () -> ImportanceSamplingLevel.fromName("tokens"));
        expect("loss_type", () -> LossAggregation.ofTrlLossType("gspo"));
    }

    @Test
    void badVariantInputsOnBothPaths() {
        try (PointerScope scope = new PointerScope()) {
            Random rng = new Random(1);
            Tensor logits = KernelTestData.logits(rng, ScalarType.Float, 1.0, B, T, V);
            Tensor y = KernelTestData.targets(rng, V, B, T);
            Tensor f = KernelTestData.constant(-3f, B, T), one = KernelTestData.constant(1f, B, T);
            PolicyLossInputs base = new PolicyLossInputs(f, null, one, one, KernelTestData.constant(0.1f, B, T));
            PolicyLossConfig seq = PolicyLossConfig.builder().importanceSamplingLevel(ImportanceSamplingLevel.SEQUENCE)
                    .build();
            PolicyLossConfig tok = PolicyLossConfig.DEFAULT;
            Tensor nan = KernelTestData.constant(Float.NaN, B, T), neg = KernelTestData.constant(-1f, B, T);
            Tensor wrongShape = KernelTestData.constant(0f, B * T), bytes = HostTensors.fromBytes(new byte[B * T], B, T);
            Object[][] cases = {
                    {"seqLogRatio", base, seq},                                        // SEQUENCE without it
                    {"seqLogRatio", base.withVariants(f, null, null), tok},           // given at TOKEN level
                    {"seqLogRatio", base.withVariants(nan, null, null), seq},
                    {"seqLogRatio", base.withVariants(wrongShape, null, null), seq},
                    {"pgKeep", base.withVariants(null, f, null), tok},                 // fp32, not uint8
                    {"pgKeep", base.withVariants(null, HostTensors.fromBytes(new byte[B * T], B * T), null), tok},
                    {"absKlCoef", base.withVariants(null, null, neg), tok},
                    {"absKlCoef", base.withVariants(null, null, nan), tok},
                    {"absKlCoef", base.withVariants(null, null, bytes), tok},
            };
            for (Object[] c : cases) {
                String arg = (String) c[0];
                PolicyLossInputs in = (PolicyLossInputs) c[1];
                PolicyLossConfig cfg = (PolicyLossConfig) c[2];
                expect(arg, () -> FusedKernels.policyLoss(logits, y, in, cfg));
                FusedLinearHeadTest.Data d = FusedLinearHeadTest.Data.random(3, B, T);
                FusedLinearHeadTest.Model m = new FusedLinearHeadTest.Model(d, FusedLinearHeadTest.Head.UNTIED,
                        ScalarType.Float, false);
                expect(arg, () -> FusedLinearHead.policyLoss(m.hidden, m.w, d.targets(), in, cfg));
            }
            // The gradient must not alias a variant input.
            Tensor grad = KernelTestData.constant(0f, B, T, V);
            Tensor aliased = grad.select(2, 0);
            expect("seqLogRatio", () -> FusedKernels.policyLoss(logits, y, base.withVariants(aliased, null, null), seq,
                    grad));
        }
    }

    @Test
    void badHelperArguments() {
        try (PointerScope scope = new PointerScope()) {
            float[] x = {0.1f, 0.2f}, m = {1, 1};
            expect("topEntropyQuantile", () -> EntropyControls.topEntropyThreshold(x, 0));
            expect("topEntropyQuantile", () -> EntropyControls.topEntropyThreshold(x, 1.5));
            expect("entropies", () -> EntropyControls.topEntropyThreshold(new float[] {Float.NaN}, 0.5));
            expect("clipCovRatio", () -> CovarianceSelection.clipCovKeep(x, x, x, m, 0.2, 0.2, 0, 1, 5, 1));
            expect("clipCovLb", () -> CovarianceSelection.clipCovKeep(x, x, x, m, 0.2, 0.2, 0.1, 5, 1, 1));
            expect("adv", () -> CovarianceSelection.clipCovKeep(x, x, new float[3], m, 0.2, 0.2, 0.1, 1, 5, 1));
            expect("klCovRatio", () -> CovarianceSelection.klCovCoef(x, x, m, 2, 1));
            expect("ppoKlCoef", () -> CovarianceSelection.klCovCoef(x, x, m, 0.5, -1));
            expect("mask", () -> SequenceLogRatio.perToken(x, x, new float[1], 1, 2));
            expect("entropyCoefMin", () -> new AdaptiveEntropyCoef(0, 0.2, 1, 0, 0.005));
            expect("entropyCoefDelta", () -> new AdaptiveEntropyCoef(0, 0.2, 0, 1, -1));
            Tensor t2 = KernelTestData.constant(0f, 2, 3), t3 = KernelTestData.constant(0f, 2, 4);
            expect("mask", () -> SequenceLogRatio.perToken(t2, t2, t3));
            expect("entropy", () -> EntropyControls.topEntropyThreshold(KernelTestData.constant(0f, 6), t2, 0.5));
        }
    }
}
