package org.eapo4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
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

    /**
     * The fused step (one native pass per parameter) against the LibTorch op sequence that AdamW ran before it,
     * written here, one step at a time from the same state, for float32, bf16 with bf16 moments and bf16 with float32
     * moments, a decayed matrix and an undecayed vector. Tolerance per stored value: 2 ulps of its dtype at the value
     * plus 2 at the size of the terms it sums (where a momentum and a gradient cancel, a rounded term shows): the op
     * sequence rounds after every op (a bf16 moment twice per update, the
     * decayed bf16 parameter before the update), the fused step once, and they order the float32 operations
     * differently.
     */
    @Test
    void fusedStepAgreesWithTheLibTorchOpSequence() {
        for (ScalarType[] c : new ScalarType[][] {{ScalarType.Float, ScalarType.Float},
            {ScalarType.BFloat16, ScalarType.BFloat16}, {ScalarType.BFloat16, ScalarType.Float}}) {
            try (PointerScope scope = new PointerScope()) {
                java.util.Random rnd = new java.util.Random(11);
                Tensor w = HostTensors.fromFloats(gaussian(rnd, 64 * 33, 1.0), 64, 33).to(c[0]).requires_grad_(true);
                Tensor b = HostTensors.fromFloats(gaussian(rnd, 33, 1.0), 33).to(c[0]).requires_grad_(true);
                Map<String, Tensor> params = new LinkedHashMap<>();
                params.put("w", w);
                params.put("b", b);
                AdamW opt = new AdamW(params, 0.9, 0.95, 1e-8, 0.1, c[1] == ScalarType.Float && c[0] != c[1]);
                Map<String, Tensor> state = opt.stateTensors();
                for (int s = 1; s <= 3; s++) {
                    double lr = 1e-3 * s;
                    w.mutable_grad().put(HostTensors.fromFloats(gaussian(rnd, 64 * 33, 1e-2), 64, 33).to(c[0]));
                    b.mutable_grad().put(HostTensors.fromFloats(gaussian(rnd, 33, 1e-2), 33).to(c[0]));
                    Tensor[] rw = {w.detach().clone(), state.get("m.w").clone(), state.get("v.w").clone()};
                    Tensor[] rb = {b.detach().clone(), state.get("m.b").clone(), state.get("v.b").clone()};
                    float[][] sw = termSizes(rw, w.grad(), 0.9, 0.95), sb = termSizes(rb, b.grad(), 0.9, 0.95);
                    opSequence(rw, w.grad(), lr, 0.9, 0.95, 1e-8, 0.1, s);
                    opSequence(rb, b.grad(), lr, 0.9, 0.95, 1e-8, 0.0, s);
                    opt.step(lr);
                    String where = c[0] + " param, " + c[1] + " state, step " + s;
                    assertClose(rw[0], w.detach(), sw[0], where + " w");
                    assertClose(rw[1], state.get("m.w"), sw[1], where + " m.w");
                    assertClose(rw[2], state.get("v.w"), sw[2], where + " v.w");
                    assertClose(rb[0], b.detach(), sb[0], where + " b");
                    assertClose(rb[1], state.get("m.b"), sb[1], where + " m.b");
                    assertClose(rb[2], state.get("v.b"), sb[2], where + " v.b");
                }
            }
        }
    }

    /** A parameter that is a strided (transposed) view takes the LibTorch op sequence and still matches it exactly. */
    @Test
    void nonContiguousParameterFallsBackToTheOpSequence() {
        try (PointerScope scope = new PointerScope()) {
            java.util.Random rnd = new java.util.Random(5);
            Tensor w = HostTensors.fromFloats(gaussian(rnd, 12, 1.0), 3, 4).t().detach().requires_grad_(true);
            AdamW opt = new AdamW(Map.of("w", w), 0.9, 0.99, 1e-8, 0.1);
            Map<String, Tensor> state = opt.stateTensors();
            for (int s = 1; s <= 2; s++) {
                w.mutable_grad().put(HostTensors.fromFloats(gaussian(rnd, 12, 1e-2), 4, 3));
                Tensor[] r = {w.detach().clone(), state.get("m.w").clone(), state.get("v.w").clone()};
                opSequence(r, w.grad(), 1e-2, 0.9, 0.99, 1e-8, 0.1, s);
                opt.step(1e-2);
                float[] want = HostTensors.toFloats(r[0]), got = HostTensors.toFloats(w.detach());
                for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 0.0, "w[" + i + "] step " + s);
            }
        }
    }

    /** AdamW's step before the fused op: LibTorch elementwise ops, in place on {param, m, v}. */
    private static void opSequence(Tensor[] pmv, Tensor g, double lr, double b1, double b2, double eps, double wd,
                                   int t) {
        double bc1 = 1 - Math.pow(b1, t), bc2 = 1 - Math.pow(b2, t);
        if (wd > 0) pmv[0].mul_(new Scalar(1 - lr * wd));
        pmv[1].mul_(new Scalar(b1)).add_(g, new Scalar(1 - b1));
        pmv[2].mul_(new Scalar(b2)).addcmul_(g, g, new Scalar(1 - b2));
        Tensor denom = pmv[2].div(new Scalar(bc2));
        denom.sqrt_().add_(new Scalar(eps));
        pmv[0].addcdiv_(pmv[1], denom, new Scalar(-lr / bc1));
    }

    /**
     * The size of the terms each new value is the sum of, from the state before the step: |p| (the update is far
     * smaller), |b1 m| + |(1 - b1) g| and b2 v + (1 - b2) g^2.
     */
    private static float[][] termSizes(Tensor[] pmv, Tensor grad, double b1, double b2) {
        float[] p = HostTensors.toFloats(pmv[0].to(ScalarType.Float)), m = HostTensors.toFloats(pmv[1].to(ScalarType.Float)),
                v = HostTensors.toFloats(pmv[2].to(ScalarType.Float)), g = HostTensors.toFloats(grad.to(ScalarType.Float));
        float[][] out = new float[3][p.length];
        for (int i = 0; i < p.length; i++) {
            out[0][i] = Math.abs(p[i]);
            out[1][i] = (float) (Math.abs(b1 * m[i]) + Math.abs((1 - b1) * g[i]));
            out[2][i] = (float) (b2 * v[i] + (1 - b2) * g[i] * g[i]);
        }
        return out;
    }

    /** Within 2 ulps of the stored dtype at the value plus 2 at the size of its terms (the ops round those). */
    private static void assertClose(Tensor want, Tensor got, float[] terms, String what) {
        double ulps = got.scalar_type().intern() == ScalarType.BFloat16 ? 65536.0 : 1.0;
        float[] w = HostTensors.toFloats(want.to(ScalarType.Float)), g = HostTensors.toFloats(got.to(ScalarType.Float));
        for (int i = 0; i < w.length; i++) {
            double tol = 2 * ulps * (Math.ulp(Math.max(Math.abs(w[i]), Math.abs(g[i]))) + Math.ulp(terms[i]));
            assertEquals(w[i], g[i], tol, what + "[" + i + "]");
        }
    }

    private static float[] gaussian(java.util.Random rnd, int n, double scale) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) (rnd.nextGaussian() * scale);
        return f;
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
