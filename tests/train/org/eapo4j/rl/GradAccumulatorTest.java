package org.eapo4j.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.Test;

/**
 * The sum buffers are 16+ bits wider than the parameter (float64 for float32, float32 for bfloat16), and the summed
 * micro-batch gradients round once: each result equals the float64 sum of the terms rounded to the parameter's type.
 */
class GradAccumulatorTest {
    @Test
    void sumsInAWiderTypeAndRoundOnce() {
        float[][] grads = {{1e-3f, 1f, -2.5f}, {3e-8f, 1e-3f, 2.5f}, {1f, -1e-4f, 1e-7f}};
        for (ScalarType dt : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16}) {
            try (PointerScope scope = new PointerScope()) {
                Tensor p = HostTensors.fromFloats(new float[3], 3).to(dt).requires_grad_(true);
                try (GradAccumulator acc = new GradAccumulator(List.of(p))) {
                    assertEquals(dt == ScalarType.Float ? ScalarType.Double : ScalarType.Float, acc.bufferType(0));
                    acc.reset();
                    double[] want = new double[3];
                    for (float[] g : grads) {
                        Tensor gt = HostTensors.fromFloats(g, 3).to(dt);
                        float[] held = HostTensors.toFloats(gt.to(ScalarType.Float));   // what the type holds
                        for (int i = 0; i < 3; i++) want[i] += held[i];
                        p.mutable_grad().put(gt);
                        acc.addAndClear();
                    }
                    acc.finish(Collectives.NONE);
                    float[] got = HostTensors.toFloats(p.grad().to(ScalarType.Float));
                    for (int i = 0; i < 3; i++) {
                        float rounded = HostTensors.toFloats(HostTensors.fromFloats(new float[] {(float) want[i]}, 1)
                                .to(dt).to(ScalarType.Float))[0];
                        assertEquals(rounded, got[i], 0f, dt + " [" + i + "]");
                    }
                }
            }
        }
    }

    /**
     * A gradient larger than one piece (bf16 into float32, float32 into float64, lengths that do not divide evenly):
     * every element is the sum of the two values in the wider type, as Java's own float / double addition gives it.
     */
    @Test
    void addInPiecesAddsEveryElementOnce() {
        int n = 3 * GradAccumulator.ADD_PIECE + 5;
        java.util.Random rnd = new java.util.Random(7);
        float[] s0 = new float[n], g0 = new float[n];
        for (int i = 0; i < n; i++) {
            s0[i] = (float) rnd.nextGaussian();
            g0[i] = (float) rnd.nextGaussian() * 1e-3f;
        }
        for (ScalarType gt : new ScalarType[] {ScalarType.BFloat16, ScalarType.Float}) {
            try (PointerScope scope = new PointerScope()) {
                ScalarType st = GradAccumulator.sumType(gt);
                Tensor sum = HostTensors.fromFloats(s0, n).to(st), grad = HostTensors.fromFloats(g0, n).to(gt);
                float[] held = HostTensors.toFloats(grad.to(ScalarType.Float));
                GradAccumulator.addInPieces(sum, grad);
                double[] got = new double[n];
                new org.bytedeco.javacpp.DoublePointer(sum.to(ScalarType.Double).contiguous().data_ptr_double())
                        .get(got);
                for (int i = 0; i < n; i++) {
                    double want = st == ScalarType.Float ? (double) (s0[i] + held[i]) : (double) s0[i] + held[i];
                    if (want != got[i]) assertEquals(want, got[i], 0.0, gt + " element " + i + " of " + n);
                }
            }
        }
    }
}
