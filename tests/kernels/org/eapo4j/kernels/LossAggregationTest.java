package org.eapo4j.kernels;

import static org.eapo4j.kernels.KernelTestData.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every aggregation mode of SPEC.md built from a mask, then used by the loss and checked against autograd. */
class LossAggregationTest {
    // Three sequences of response lengths 4, 1 and 6 in a [3, 6] batch.
    static final float[] MASK = {
        1, 1, 1, 1, 0, 0,
        1, 0, 0, 0, 0, 0,
        1, 1, 1, 1, 1, 1};

    /** SPEC.md's table written out case by case, independently of LossAggregation's loop. */
    static double expected(LossAggregation mode, int row, int col, long lMax) {
        if (MASK[row * 6 + col] == 0) return 0;
        int[] len = {4, 1, 6};
        return switch (mode) {
            case TOKEN_MEAN -> 1.0 / 11;
            case SEQ_MEAN_TOKEN_MEAN -> 1.0 / (3.0 * len[row]);
            case SEQ_MEAN_TOKEN_SUM -> 1.0 / 3;
            case SEQ_MEAN_TOKEN_SUM_NORM -> 1.0 / (3.0 * lMax);
        };
    }

    @ParameterizedTest
    @EnumSource(LossAggregation.class)
    void coefficientsFollowTheSpecAndDriveTheLoss(LossAggregation mode) {
        try (PointerScope scope = new PointerScope()) {
            Tensor mask = HostTensors.fromFloats(MASK, 3, 6);
            long lMax = 8;
            Tensor c = mode.coefficients(mask, lMax);
            double[] got = AutogradReference.doubles(c);
            double[] want = new double[18];
            for (int i = 0; i < 3; i++) for (int j = 0; j < 6; j++) want[i * 6 + j] = expected(mode, i, j, lMax);
            assertClose("c_t " + mode.cliName(), got, want, 1e-9, 1e-6);
            assertEquals(mode, LossAggregation.fromName(mode.cliName()));

            Random rng = new Random(mode.ordinal());
            Tensor logits = KernelTestData.logits(rng, ScalarType.Float, 1.5, 3, 6, 50);
            Tensor y = KernelTestData.targets(rng, 50, 3, 6);
            PolicyLossInputs in = new PolicyLossInputs(KernelTestData.uniform(rng, -5, -3, 3, 6), null,
                    KernelTestData.uniform(rng, -1, 1, 3, 6), KernelTestData.constant(1f, 3, 6), c);
            PolicyLossConfig cfg = PolicyLossConfig.builder().entropyCoef(0.01).build();
            FusedKernelsTest.checkPolicyLoss(logits, y, in, cfg, ScalarType.Float);
        }
    }

    @ParameterizedTest
    @EnumSource(LossAggregation.class)
    void rejectsBadMasks(LossAggregation mode) {
        try (PointerScope scope = new PointerScope()) {
            assertThrows(IllegalArgumentException.class, () -> mode.coefficients(HostTensors.fromFloats(MASK, 18)));
            assertThrows(IllegalArgumentException.class,
                    () -> mode.coefficients(HostTensors.fromFloats(new float[] {0.5f, 1}, 1, 2)));
            assertThrows(IllegalArgumentException.class, () -> mode.coefficients(HostTensors.fromFloats(MASK, 3, 6), 0));
        }
    }
}
