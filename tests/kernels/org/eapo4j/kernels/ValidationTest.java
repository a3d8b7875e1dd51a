package org.eapo4j.kernels;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every validation path raises an IllegalArgumentException that names the argument, from the Java layer
 * (the native layer's own messages read differently: "targets[3] = ...", "bad shape: ...").
 */
class ValidationTest {
    private PointerScope scope;
    private Tensor logits, y;
    private PolicyLossInputs in;

    @BeforeEach
    void setUp() {
        scope = new PointerScope();
        Random rng = new Random(1);
        logits = KernelTestData.logits(rng, ScalarType.Float, 1.0, 6, 10);
        y = KernelTestData.targets(rng, 10, 6);
        in = new PolicyLossInputs(KernelTestData.constant(-2f, 6), KernelTestData.constant(-2f, 6),
                KernelTestData.constant(1f, 6), KernelTestData.constant(1f, 6), KernelTestData.constant(1f / 6, 6));
    }

    @AfterEach
    void tearDown() {
        scope.close();
    }

    private static void expect(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String f : fragments)
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should mention '" + f + "'");
    }

    private PolicyLossInputs with(Tensor old, Tensor ref, Tensor adv, Tensor w, Tensor c) {
        return new PolicyLossInputs(old, ref, adv, w, c);
    }

    @Test
    void logitsShapeDtypeAndLayout() {
        expect(() -> FusedKernels.tokenStats(null, y, 1.0), "logits", "defined");
        expect(() -> FusedKernels.tokenStats(new Tensor(), y, 1.0), "logits", "defined");
        expect(() -> FusedKernels.tokenStats(logits.reshape(60), y, 1.0), "logits", "[N, V] or [B, T, V]");
        expect(() -> FusedKernels.tokenStats(logits.reshape(1, 2, 3, 10), y, 1.0), "logits", "4 dimensions");
        expect(() -> FusedKernels.tokenStats(logits.to(ScalarType.Double), y, 1.0), "logits", "float32, bfloat16");
        expect(() -> FusedKernels.tokenStats(logits.to(ScalarType.Int), y, 1.0), "logits", "float32, bfloat16");
        Tensor transposed = KernelTestData.logits(new Random(2), ScalarType.Float, 1.0, 10, 6).t();
        expect(() -> FusedKernels.tokenStats(transposed, y, 1.0), "logits", "contiguous in its last");
        Tensor emptyVocab = HostTensors.emptyLike(new long[] {6, 0}, ScalarType.Float, logits);
        expect(() -> FusedKernels.tokenStats(emptyVocab, y, 1.0), "logits", "vocabulary dimension >= 1");
    }

    @Test
    void targets() {
        expect(() -> FusedKernels.tokenStats(logits, y.to(ScalarType.Int), 1.0), "targets", "Long");
        expect(() -> FusedKernels.tokenStats(logits, y.reshape(2, 3), 1.0), "targets", "shape [6]");
        expect(() -> FusedKernels.tokenStats(logits, null, 1.0), "targets", "defined");
        expect(() -> FusedKernels.tokenStats(logits, HostTensors.fromLongs(new long[] {0, 1, 2, 3, 4, 10}, 6), 1.0),
                "targets", "[0, 10)");
        expect(() -> FusedKernels.tokenStats(logits, HostTensors.fromLongs(new long[] {0, -1, 2, 3, 4, 5}, 6), 1.0),
                "targets", "[0, 10)");
        expect(() -> FusedKernels.policyLoss(logits, HostTensors.fromLongs(new long[] {0, 1, 2, 3, 4, 99}, 6), in,
                PolicyLossConfig.DEFAULT), "targets", "[0, 10)");
    }

    @Test
    void temperature() {
        for (double t : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY, 1e-50})
            expect(() -> FusedKernels.tokenStats(logits, y, t), "temperature");
    }

    @Test
    void configValues() {
        expect(() -> PolicyLossConfig.builder().temperature(0).build(), "temperature");
        expect(() -> PolicyLossConfig.builder().temperature(Double.NaN).build(), "temperature", "finite");
        expect(() -> PolicyLossConfig.builder().clipLow(1.0).build(), "clipLow");
        expect(() -> PolicyLossConfig.builder().clipLow(-0.1).build(), "clipLow");
        expect(() -> PolicyLossConfig.builder().clipHigh(-1).build(), "clipHigh");
        expect(() -> PolicyLossConfig.builder().clipHigh(Double.POSITIVE_INFINITY).build(), "clipHigh", "finite");
        expect(() -> PolicyLossConfig.builder().dualClip(0.5).build(), "dualClip");
        expect(() -> PolicyLossConfig.builder().dualClip(1.0).build(), "dualClip");
        expect(() -> PolicyLossConfig.builder().klBeta(-0.1).build(), "klBeta");
        expect(() -> PolicyLossConfig.builder().entropyCoef(Double.NaN).build(), "entropyCoef");
        expect(() -> FusedKernels.policyLoss(logits, y, in, null), "cfg");
        expect(() -> FusedKernels.policyLoss(logits, y, null, PolicyLossConfig.DEFAULT), "inputs");
    }

    @Test
    void perTokenInputs() {
        Tensor ok = KernelTestData.constant(1f, 6);
        PolicyLossConfig cfg = PolicyLossConfig.DEFAULT;
        expect(() -> FusedKernels.policyLoss(logits, y, with(ok.to(ScalarType.Double), null, ok, ok, ok), cfg),
                "oldLogProbs", "Float");
        expect(() -> FusedKernels.policyLoss(logits, y, with(ok, null, KernelTestData.constant(1f, 5), ok, ok), cfg),
                "advantages", "shape [6]");
        expect(() -> FusedKernels.policyLoss(logits, y, with(ok, null, ok, null, ok), cfg), "weights", "defined");
        expect(() -> FusedKernels.policyLoss(logits, y, with(ok, null, ok, ok, ok.reshape(2, 3)), cfg),
                "coefficients", "shape");
        expect(() -> FusedKernels.policyLoss(logits, y, with(ok, ok.to(ScalarType.Half), ok, ok, ok), cfg),
                "refLogProbs", "Float");
        expect(() -> FusedKernels.policyLoss(logits, y, with(ok, null, ok, ok, ok),
                cfg.toBuilder().klBeta(0.1).build()), "klBeta", "refLogProbs");
    }

    @Test
    void nanPolicyForPerTokenInputs() {
        Tensor ok = KernelTestData.constant(1f, 6);
        Tensor nan = HostTensors.fromFloats(new float[] {1, 1, Float.NaN, 1, 1, 1}, 6);
        Tensor inf = HostTensors.fromFloats(new float[] {1, 1, 1, Float.NEGATIVE_INFINITY, 1, 1}, 6);
        PolicyLossConfig cfg = PolicyLossConfig.DEFAULT;
        expect(() -> FusedKernels.policyLoss(logits, y, with(nan, null, ok, ok, ok), cfg), "oldLogProbs", "finite");
        expect(() -> FusedKernels.policyLoss(logits, y, with(ok, null, nan, ok, ok), cfg), "advantages", "finite");
        expect(() -> FusedKernels.policyLoss(logits, y, with(ok, null, ok, inf, ok), cfg), "weights", "finite");
        expect(() -> FusedKernels.policyLoss(logits, y, with(ok, null, ok, ok, nan), cfg), "coefficients", "finite");
        expect(() -> FusedKernels.policyLoss(logits, y, with(ok, inf, ok, ok, ok), cfg), "refLogProbs", "finite");
    }

    @Test
    void gradientDestinations() {
        PolicyLossConfig cfg = PolicyLossConfig.DEFAULT;
        expect(() -> FusedKernels.policyLoss(logits, y, in, cfg, logits.to(ScalarType.BFloat16)), "gradBuffer", "dtype");
        expect(() -> FusedKernels.policyLoss(logits, y, in, cfg, logits.reshape(3, 2, 10)), "gradBuffer", "shape");
        expect(() -> FusedKernels.policyLoss(logits, y, in, cfg.toBuilder().gradInPlace(true).build(), logits.clone()),
                "gradBuffer", "gradInPlace");
        Tensor oneRow = KernelTestData.logits(new Random(3), ScalarType.Float, 1.0, 1, 10);
        Tensor expanded = oneRow.expand(6, 10);
        expect(() -> FusedKernels.policyLoss(expanded, y, in, cfg.toBuilder().gradInPlace(true).build()),
                "overlap");
        expect(() -> FusedKernels.policyLoss(logits, y, in, cfg, expanded), "gradBuffer", "overlap");
    }
}
