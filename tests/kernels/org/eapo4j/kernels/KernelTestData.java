package org.eapo4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.tensors.HostTensors;

/** Deterministic test inputs (java.util.Random, not LibTorch's RNG) and tolerance-aware comparisons. */
final class KernelTestData {
    private KernelTestData() {}

    static long product(long[] shape) {
        long n = 1;
        for (long s : shape) n *= s;
        return n;
    }

    /** Normal(0, scale) logits of the given shape, rounded to dtype. */
    static Tensor logits(Random rng, ScalarType dtype, double scale, long... shape) {
        float[] z = new float[(int) product(shape)];
        for (int i = 0; i < z.length; i++) z[i] = (float) (rng.nextGaussian() * scale);
        try (Tensor f = HostTensors.fromFloats(z, shape)) {
            return f.to(dtype);
        }
    }

    static Tensor targets(Random rng, long vocab, long... shape) {
        long[] y = new long[(int) product(shape)];
        for (int i = 0; i < y.length; i++) y[i] = (long) (rng.nextDouble() * vocab);
        return HostTensors.fromLongs(y, shape);
    }

    static Tensor uniform(Random rng, double lo, double hi, long... shape) {
        float[] v = new float[(int) product(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        return HostTensors.fromFloats(v, shape);
    }

    static Tensor constant(float value, long... shape) {
        return HostTensors.full(value, shape);
    }

    /** Old log-probs chosen around the current ones so that rho lands below, inside and above the clip range. */
    static Tensor oldAround(Tensor logp, Random rng) {
        float[] lp = HostTensors.toFloats(logp);
        float[] old = new float[lp.length];
        for (int i = 0; i < lp.length; i++) {
            double shift = switch (i % 4) {
                case 0 -> 0.6;   // rho = e^-0.6 ~ 0.55: below 1 - eps_low
                case 1 -> -0.5;  // rho ~ 1.65: above 1 + eps_high
                case 2 -> 0.05;  // inside
                default -> (rng.nextDouble() - 0.5) * 0.3;
            };
            old[i] = (float) (lp[i] + shift);
        }
        return HostTensors.fromFloats(old, TensorChecks.shape(logp));
    }

    static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) if (Double.isFinite(x)) m = Math.max(m, Math.abs(x));
        return m;
    }

    /** |got - want| <= atol + rtol * |want| element-wise; NaN expected means NaN required. */
    static void assertClose(String what, double[] got, double[] want, double atol, double rtol) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++) {
            if (Double.isNaN(want[i])) {
                assertTrue(Double.isNaN(got[i]), what + "[" + i + "]: expected NaN, got " + got[i]);
                continue;
            }
            if (Double.isInfinite(want[i])) {
                assertEquals(want[i], got[i], what + "[" + i + "]");
                continue;
            }
            double err = Math.abs(got[i] - want[i]);
            if (!(err <= atol + rtol * Math.abs(want[i])))
                fail(what + "[" + i + "]: got " + got[i] + ", want " + want[i] + " (err " + err + ", atol " + atol
                        + ", rtol " + rtol + ")");
        }
    }

    /** Relative tolerance of a value stored in dtype (the gradient is written in the logits' dtype). */
    static double storageRtol(ScalarType dtype) {
        return switch (dtype) {
            case BFloat16 -> 8e-3;
            case Half -> 1e-3;
            default -> 2e-5;
        };
    }
}
