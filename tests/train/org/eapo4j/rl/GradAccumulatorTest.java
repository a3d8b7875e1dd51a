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
}
