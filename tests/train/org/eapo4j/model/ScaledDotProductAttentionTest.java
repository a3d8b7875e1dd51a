package org.eapo4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Attention (grouped-query, a KV prefix, causal mask with a padded key) and its gradients against a float64
 * evaluation written here with loops: softmax(q k^T / sqrt(d)) v and the textbook backward. bf16 / fp16 inputs go
 * through the float32 path on the CPU, so their error is one rounding of the output (half an ulp of the dtype); the
 * bf16 flash path of LibTorch, which rounds the softmax weights to bf16, is not what is tested here.
 */
class ScaledDotProductAttentionTest {
    static final int B = 2, H = 4, KVH = 2, T = 5, S = 7, D = 16;

    enum Dtype {
        FLOAT(ScalarType.Float, 1e-5), BFLOAT16(ScalarType.BFloat16, 0x1p-8), HALF(ScalarType.Half, 0x1p-11);

        final ScalarType type;
        final double relTol;   // twice the unit roundoff of the output's dtype (float32 for FLOAT, with its sums)

        Dtype(ScalarType type, double relTol) {
            this.type = type;
            this.relTol = relTol;
        }
    }

    @ParameterizedTest
    @EnumSource(Dtype.class)
    void outputAndGradientsMatchAFloat64Evaluation(Dtype dtype) {
        Random rnd = new Random(42);
        try (PointerScope scope = new PointerScope()) {
            Tensor q = random(rnd, dtype, B, H, T, D), k = random(rnd, dtype, B, KVH, S, D),
                    v = random(rnd, dtype, B, KVH, S, D), w = random(rnd, dtype, B, H, T, D);
            boolean[][][] allowed = mask();
            float[] maskFloats = new float[B * T * S];
            for (int b = 0; b < B; b++)
                for (int t = 0; t < T; t++)
                    for (int s = 0; s < S; s++) maskFloats[(b * T + t) * S + s] = allowed[b][t][s] ? 1 : 0;
            Tensor mask = HostTensors.fromFloats(maskFloats, B, 1, T, S).gt(new Scalar(0.5));
            assertEquals(dtype != Dtype.FLOAT, ScaledDotProductAttention.upcast(q));

            q.requires_grad_(true);
            k.requires_grad_(true);
            v.requires_grad_(true);
            Tensor out = ScaledDotProductAttention.compute(q, k, v, mask);
            assertEquals(dtype.type, out.scalar_type().intern());
            out.mul(w).sum().backward();

            double[] qd = doubles(q), kd = doubles(k), vd = doubles(v), wd = doubles(w);
            double[] ref = new double[B * H * T * D], gq = new double[qd.length], gk = new double[kd.length],
                    gv = new double[vd.length];
            reference(qd, kd, vd, wd, allowed, ref, gq, gk, gv);
            assertClose("out", ref, doubles(out), dtype.relTol);
            assertClose("dq", gq, doubles(q.grad()), dtype.relTol);
            assertClose("dk", gk, doubles(k.grad()), dtype.relTol);
            assertClose("dv", gv, doubles(v.grad()), dtype.relTol);
        }
    }

    /** Batch 0: causal over a 2-position prefix; batch 1: the same with its first key (a left pad) masked. */
    static boolean[][][] mask() {
        boolean[][][] m = new boolean[B][T][S];
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++)
                for (int s = 0; s < S; s++) m[b][t][s] = s <= S - T + t && !(b == 1 && s == 0);
        return m;
    }

    /** Forward and backward of L = sum(out * w) in float64, with loops. */
    static void reference(double[] q, double[] k, double[] v, double[] w, boolean[][][] allowed, double[] out,
                          double[] gq, double[] gk, double[] gv) {
        double scale = 1 / Math.sqrt(D);
        for (int b = 0; b < B; b++)
            for (int h = 0; h < H; h++) {
                int kh = h / (H / KVH);
                for (int t = 0; t < T; t++) {
                    int qo = ((b * H + h) * T + t) * D;
                    double[] p = new double[S];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s < S; s++) {
                        if (!allowed[b][t][s]) continue;
                        int ko = ((b * KVH + kh) * S + s) * D;
                        double dot = 0;
                        for (int d = 0; d < D; d++) dot += q[qo + d] * k[ko + d];
                        p[s] = dot * scale;
                        max = Math.max(max, p[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s < S; s++) {
                        p[s] = allowed[b][t][s] ? Math.exp(p[s] - max) : 0;
                        sum += p[s];
                    }
                    for (int s = 0; s < S; s++) p[s] /= sum;
                    // out = P v; dP = w v^T; dS = P (dP - sum(P dP)); dq = dS k scale; dk += dS q scale; dv += P w
                    double[] dp = new double[S];
                    double pdp = 0;
                    for (int s = 0; s < S; s++) {
                        int ko = ((b * KVH + kh) * S + s) * D;
                        for (int d = 0; d < D; d++) {
                            out[qo + d] += p[s] * v[ko + d];
                            dp[s] += w[qo + d] * v[ko + d];
                            gv[ko + d] += p[s] * w[qo + d];
                        }
                        pdp += p[s] * dp[s];
                    }
                    for (int s = 0; s < S; s++) {
                        double ds = p[s] * (dp[s] - pdp) * scale;
                        int ko = ((b * KVH + kh) * S + s) * D;
                        for (int d = 0; d < D; d++) {
                            gq[qo + d] += ds * k[ko + d];
                            gk[ko + d] += ds * q[qo + d];
                        }
                    }
                }
            }
    }

    /** Element-wise: |got - want| <= relTol (|want| + 2^-4 max|want|), the second term for sums that cancel. */
    static void assertClose(String what, double[] want, double[] got, double relTol) {
        double max = 0;
        for (double x : want) max = Math.max(max, Math.abs(x));
        assertTrue(max > 0, what + " is all zeros: the test would prove nothing");
        for (int i = 0; i < want.length; i++) {
            double tol = relTol * (Math.abs(want[i]) + max / 16);
            assertFalse(Double.isNaN(got[i]), what + "[" + i + "] is NaN");
            assertEquals(want[i], got[i], tol, what + "[" + i + "]");
        }
    }

    static Tensor random(Random rnd, Dtype dtype, long... shape) {
        int n = 1;
        for (long s : shape) n *= (int) s;
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) rnd.nextGaussian();
        return HostTensors.fromFloats(f, shape).to(dtype.type);
    }

    static double[] doubles(Tensor t) {
        float[] f = HostTensors.toFloats(t.detach().to(ScalarType.Float).contiguous());
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}
