package org.eapo4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.Test;

/**
 * AdamW against a float64 evaluation of its update written here (bias-corrected moments, decoupled weight decay on
 * matrices only, eps outside the square root), over three steps with changing gradients: the update that keeps one
 * parameter-sized temporary at a time computes what the textbook formula does.
 */
class AdamWTest {
    @Test
    void threeStepsMatchAFloat64Reference() {
        double lr = 0.01, b1 = 0.9, b2 = 0.99, eps = 1e-8, wd = 0.1;
        float[] w0 = {0.5f, -1.25f, 2f, 0.75f, -0.3f, 1.1f}, b0 = {0.2f, -0.4f};
        double[][] grads = {{0.1, -0.2, 0.3, 0.05, -0.15, 0.25}, {-0.3, 0.1, 0.2, -0.05, 0.4, -0.1},
            {0.02, 0.03, -0.04, 0.5, -0.6, 0.07}};
        try (PointerScope scope = new PointerScope()) {
            Tensor w = HostTensors.fromFloats(w0, 2, 3).requires_grad_(true);
            Tensor b = HostTensors.fromFloats(b0, 2).requires_grad_(true);
            Map<String, Tensor> params = new LinkedHashMap<>();
            params.put("w", w);
            params.put("b", b);
            AdamW opt = new AdamW(params, b1, b2, eps, wd);
            double[] rw = toDoubles(w0), rb = toDoubles(b0), mw = new double[6], vw = new double[6], mb = new double[2],
                    vb = new double[2];
            for (int s = 0; s < 3; s++) {
                float[] gw = new float[6], gb = new float[2];
                for (int i = 0; i < 6; i++) gw[i] = (float) grads[s][i];
                gb[0] = (float) grads[s][0];
                gb[1] = (float) grads[s][5];
                w.mutable_grad().put(HostTensors.fromFloats(gw, 2, 3));
                b.mutable_grad().put(HostTensors.fromFloats(gb, 2));
                opt.step(lr);
                reference(rw, mw, vw, gw, lr, b1, b2, eps, wd, s + 1);   // a matrix: decayed
                reference(rb, mb, vb, gb, lr, b1, b2, eps, 0, s + 1);    // a vector: not decayed
            }
            float[] gotW = HostTensors.toFloats(w), gotB = HostTensors.toFloats(b);
            for (int i = 0; i < 6; i++) assertEquals(rw[i], gotW[i], 1e-6, "w[" + i + "]");
            for (int i = 0; i < 2; i++) assertEquals(rb[i], gotB[i], 1e-6, "b[" + i + "]");
        }
    }

    /**
     * A bfloat16 parameter with float32 moments: each step is the float64 update of the bf16 value, rounded once to
     * bf16 (within one bf16 ulp: the float32 arithmetic may round the other way at a tie).
     */
    @Test
    void float32StateUpdatesABf16ParameterWithOneRounding() {
        double lr = 0.01, b1 = 0.9, b2 = 0.99, eps = 1e-8;
        float[] w0 = {0.5f, -1.25f, 2f, 0.75f, -0.3f, 1.1f};
        double[][] grads = {{0.1, -0.2, 0.3, 0.05, -0.15, 0.25}, {-0.3, 0.1, 0.2, -0.05, 0.4, -0.1},
            {0.02, 0.03, -0.04, 0.5, -0.6, 0.07}};
        try (PointerScope scope = new PointerScope()) {
            Tensor w = HostTensors.fromFloats(w0, 2, 3).to(ScalarType.BFloat16).requires_grad_(true);
            AdamW opt = new AdamW(Map.of("w", w), b1, b2, eps, 0, true);
            assertEquals(ScalarType.Float, opt.stateTensors().get("m.w").scalar_type().intern());
            double[] rw = toDoubles(w0), mw = new double[6], vw = new double[6];
            for (int s = 0; s < 3; s++) {
                float[] gw = new float[6];
                for (int i = 0; i < 6; i++) gw[i] = bf16((float) grads[s][i]);   // what a bf16 gradient holds
                w.mutable_grad().put(HostTensors.fromFloats(gw, 2, 3).to(ScalarType.BFloat16));
                opt.step(lr);
                reference(rw, mw, vw, gw, lr, b1, b2, eps, 0, s + 1);
                float[] got = HostTensors.toFloats(w.to(ScalarType.Float));
                for (int i = 0; i < 6; i++) {
                    double ulp = Math.ulp(bf16((float) rw[i])) * 65536;   // a bf16 ulp: 16 fewer mantissa bits
                    assertEquals(rw[i], got[i], ulp, "step " + (s + 1) + " w[" + i + "]");
                    rw[i] = got[i];   // the parameter holds the rounded value from here on
                }
            }
        }
    }

    /** Round to nearest even bfloat16, as a float. */
    private static float bf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        bits += 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(bits & 0xFFFF0000);
    }

    private static void reference(double[] p, double[] m, double[] v, float[] g, double lr, double b1, double b2,
                                  double eps, double wd, int t) {
        for (int i = 0; i < p.length; i++) {
            p[i] *= 1 - lr * wd;
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
            double mh = m[i] / (1 - Math.pow(b1, t)), vh = v[i] / (1 - Math.pow(b2, t));
            p[i] -= lr * mh / (Math.sqrt(vh) + eps);
        }
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}
