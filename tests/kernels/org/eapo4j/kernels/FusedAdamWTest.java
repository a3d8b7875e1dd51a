package org.eapo4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link FusedAdamW#step} on each SIMD path (the generic path is the scalar reference loop) against a float64
 * evaluation of torch.optim.AdamW's update written here. Each step is checked on its own: every stored value is
 * compared with the float64 value computed from the stored values it depends on (the moments from the previous
 * step's stored moments and the gradient, the parameter from its previous value and the new moments as stored).
 *
 * <p>Tolerance: 1 ulp of the stored dtype at the float64 value (the one rounding to the stored dtype may go either
 * way of a float32 result that lies next to a rounding boundary), plus 2^-21 of the sum of the magnitudes of the
 * terms (4 float32 ulps: the float32 roundings of the scalars and of the products, which matter only where the terms
 * cancel, e.g. a momentum and a gradient of opposite signs).
 */
@ParameterizedClass(name = "simd {0}")
@ValueSource(strings = {SimdPaths.AVX512, SimdPaths.AVX2, "generic"})
class FusedAdamWTest extends OnEachSimdPath {
    private static final int[] SIZES = {1, 15, 17, 1000003};
    private static final double B1 = 0.9, B2 = 0.999, EPS = 1e-8;

    private PointerScope scope;

    @BeforeEach
    void setUp() {
        scope = new PointerScope();
    }

    @AfterEach
    void tearDown() {
        scope.close();
    }

    @Test
    void float32() {
        checkSteps(ScalarType.Float, ScalarType.Float, ScalarType.Float);
    }

    @Test
    void bf16ParamBf16State() {
        checkSteps(ScalarType.BFloat16, ScalarType.BFloat16, ScalarType.BFloat16);
    }

    @Test
    void bf16ParamFloat32State() {
        checkSteps(ScalarType.BFloat16, ScalarType.BFloat16, ScalarType.Float);
    }

    @Test
    void bf16ParamFloat32GradAndState() {
        checkSteps(ScalarType.BFloat16, ScalarType.Float, ScalarType.Float);
    }

    @Test
    void f16ParamF16State() {
        checkSteps(ScalarType.Half, ScalarType.Half, ScalarType.Half);
    }

    @Test
    void f16ParamFloat32State() {
        checkSteps(ScalarType.Half, ScalarType.Half, ScalarType.Float);
    }

    /** A second moment below bf16's smallest normal is kept as a subnormal (a flushing conversion would give 0). */
    @Test
    void subnormalSecondMomentIsKept() {
        float[] g = new float[33];
        java.util.Arrays.fill(g, 1e-19f);   // (1 - b2) g^2 = 1e-39: a bfloat16 subnormal (below 2^-126)
        Tensor p = HostTensors.full(0.5f, 33).to(ScalarType.BFloat16);
        Tensor grad = HostTensors.fromFloats(g, 33).to(ScalarType.BFloat16);
        Tensor m = HostTensors.full(0f, 33).to(ScalarType.BFloat16), v = HostTensors.full(0f, 33).to(ScalarType.BFloat16);
        FusedAdamW.step(p, grad, m, v, new AdamWStep(1e-3, B1, 0.9, EPS, 0, 1));
        float gs = HostTensors.toFloats(grad)[0];
        double ref = 0.1 * (double) gs * gs;
        for (float got : HostTensors.toFloats(v)) {
            assertTrue(got > 0, "the subnormal second moment was flushed to 0");
            assertEquals(ref, got, Math.ulp(0f) * 65536.0, "v");
        }
    }

    /** A NaN gradient element poisons its own parameter and moments only (NaN stays NaN through the rounding). */
    @Test
    void nanGradientStaysInItsElement() {
        for (ScalarType dt : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16, ScalarType.Half}) {
            float[] g = new float[19];
            for (int i = 0; i < g.length; i++) g[i] = 0.01f * (i - 9);
            g[5] = Float.NaN;
            Tensor p = HostTensors.full(1f, 19).to(dt), grad = HostTensors.fromFloats(g, 19).to(dt);
            Tensor m = HostTensors.full(0f, 19).to(dt), v = HostTensors.full(0f, 19).to(dt);
            FusedAdamW.step(p, grad, m, v, new AdamWStep(1e-2, B1, B2, EPS, 0.1, 1));
            float[] gp = HostTensors.toFloats(p), gm = HostTensors.toFloats(m), gv = HostTensors.toFloats(v);
            for (int i = 0; i < 19; i++) {
                boolean nan = i == 5;
                assertEquals(nan, Float.isNaN(gp[i]), dt + " p[" + i + "]");
                assertEquals(nan, Float.isNaN(gm[i]), dt + " m[" + i + "]");
                assertEquals(nan, Float.isNaN(gv[i]), dt + " v[" + i + "]");
            }
        }
    }

    private void checkSteps(ScalarType pt, ScalarType gt, ScalarType st) {
        Random rnd = new Random(1234 + pt.ordinal() * 10 + gt.ordinal() * 3 + st.ordinal());
        for (int n : SIZES) {
            for (double wd : new double[] {0.0, 0.1}) {
                for (double gradScale : new double[] {1.0, 0.37}) {
                    if (n == 1000003 && gradScale != 1.0 && wd == 0.0) continue;   // three large cases are enough
                    try (PointerScope inner = new PointerScope()) {
                        runSteps(rnd, n, pt, gt, st, wd, gradScale);
                    }
                }
            }
        }
    }

    private static void runSteps(Random rnd, int n, ScalarType pt, ScalarType gt, ScalarType st, double wd,
                                 double gradScale) {
        float[] p0 = new float[n];
        for (int i = 0; i < n; i++) p0[i] = (float) (rnd.nextGaussian() * (i % 7 == 0 ? 1e-3 : 1.0));
        Tensor p = HostTensors.fromFloats(p0, n).to(pt);
        Tensor m = HostTensors.full(0f, n).to(st), v = HostTensors.full(0f, n).to(st);
        double[] lrs = {1e-2, 3e-3, 1e-3, 5e-4};
        for (int step = 1; step <= lrs.length; step++) {
            float[] g0 = new float[n];
            for (int i = 0; i < n; i++) g0[i] = (float) (rnd.nextGaussian() * Math.exp(rnd.nextGaussian()) * 1e-2);
            Tensor g = HostTensors.fromFloats(g0, n).to(gt);
            float[] pb = HostTensors.toFloats(p), gb = HostTensors.toFloats(g), mb = HostTensors.toFloats(m),
                    vb = HostTensors.toFloats(v);
            double lr = lrs[step - 1];
            FusedAdamW.step(p, g, m, v, new AdamWStep(lr, B1, B2, EPS, wd, step, gradScale));
            float[] pa = HostTensors.toFloats(p), ma = HostTensors.toFloats(m), va = HostTensors.toFloats(v);
            double bc1 = 1 - Math.pow(B1, step), bc2 = 1 - Math.pow(B2, step), decay = 1 - lr * wd;
            String where = pt + "/" + gt + "/" + st + " n=" + n + " wd=" + wd + " gradScale=" + gradScale + " step "
                    + step;
            for (int i = 0; i < n; i++) {
                double gs = gb[i] * gradScale;
                double mTerm1 = B1 * mb[i], mTerm2 = (1 - B1) * gs;
                check(st, mTerm1 + mTerm2, ma[i], Math.abs(mTerm1) + Math.abs(mTerm2), where, "m", i);
                double vTerm1 = B2 * vb[i], vTerm2 = (1 - B2) * gs * gs;
                check(st, vTerm1 + vTerm2, va[i], vTerm1 + vTerm2, where, "v", i);
                double decayed = pb[i] * decay;
                double update = lr / bc1 * ma[i] / (Math.sqrt(va[i] / bc2) + EPS);
                check(pt, decayed - update, pa[i], Math.abs(decayed) + Math.abs(update), where, "p", i);
            }
        }
    }

    private static void check(ScalarType dt, double ref, float got, double termMagnitude, String where, String what,
                              int i) {
        double tol = Math.max(ulp(dt, ref), ulp(dt, got)) + Math.scalb(termMagnitude, -21);
        if (!(Math.abs(got - ref) <= tol))
            fail(where + ": " + what + "[" + i + "] = " + got + ", float64 reference " + ref + " (tolerance " + tol + ")");
    }

    /** The distance between neighbouring values of dtype dt at x (subnormal spacing below the smallest normal). */
    static double ulp(ScalarType dt, double x) {
        float f = (float) x;
        return switch (dt) {
            case Float -> Math.ulp(f);
            case BFloat16 -> Math.ulp(f) * 65536.0;                      // 16 fewer mantissa bits, same exponents
            default -> Math.max(Math.ulp(f) * 8192.0, Math.scalb(1.0, -24));   // 13 fewer bits; 2^-24 subnormals
        };
    }
}
