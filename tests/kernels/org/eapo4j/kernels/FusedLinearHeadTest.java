package org.eapo4j.kernels;

import static org.eapo4j.kernels.KernelTestData.assertClose;
import static org.eapo4j.kernels.KernelTestData.maxAbs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link FusedLinearHead} against (a) the full-logits path: LibTorch matmul, {@link FusedKernels#policyLoss}, then
 * {@code logits.backward(grad)}; and (b) float64 LibTorch autograd of the linear head followed by SPEC.md's composite
 * ({@link AutogradReference#lossTerms}), the logits rounded to the head's dtype by a straight-through step so that
 * both see the same logit values. Each side builds its own copy of the model from the same numbers: hidden states as
 * a leaf (untied), or computed from the head weight used as an embedding (tied: hidden = 0.5 W[ids] + P).
 */
class FusedLinearHeadTest {
    static final long V = 37, D = 8;

    enum Head { UNTIED, UNTIED_BIAS, TIED }

    /** The numbers every side builds its model from; lead is [N] or [B, T]. */
    record Data(long[] lead, float[] w, float[] p, float[] b, long[] ids, Tensor targets) {
        long n() {
            return KernelTestData.product(lead);
        }

        static Data random(long seed, long... lead) {
            Random rng = new Random(seed);
            long n = KernelTestData.product(lead);
            float[] w = gauss(rng, V * D, 0.8), p = gauss(rng, n * D, 0.8), b = gauss(rng, V, 0.5);
            long[] ids = new long[(int) n];
            for (int i = 0; i < n; i++) ids[i] = rng.nextInt((int) V);
            return new Data(lead, w, p, b, ids, KernelTestData.targets(rng, V, lead));
        }

        private static float[] gauss(Random rng, long len, double scale) {
            float[] a = new float[(int) len];
            for (int i = 0; i < a.length; i++) a[i] = (float) (rng.nextGaussian() * scale);
            return a;
        }
    }

    /** One side's model: leaves in dtype (or the dtype's values in float64), and the hidden states built from them. */
    static final class Model {
        final Tensor w, p, bias, hidden;

        Model(Data d, Head head, ScalarType dtype, boolean float64) {
            w = leaf(d.w(), dtype, float64, V, D);
            bias = head == Head.UNTIED_BIAS ? leaf(d.b(), dtype, float64, V) : null;
            long[] hShape = hiddenShape(d.lead());
            if (head == Head.TIED) {
                p = leaf(d.p(), dtype, float64, d.n(), D);
                try (Tensor ids = HostTensors.fromLongs(d.ids(), d.n()); Scalar half = new Scalar(0.5)) {
                    Tensor h = w.index_select(0, ids).mul(half).add(p);
                    // float64: the dtype's rounding of the hidden states, gradient straight through
                    if (float64) h = h.add(h.detach().to(dtype).to(ScalarType.Double).sub(h.detach()));
                    hidden = h.view(hShape);
                }
            } else {
                p = leaf(d.p(), dtype, float64, hShape);
                hidden = p;
            }
        }

        static Tensor leaf(float[] v, ScalarType dtype, boolean float64, long... shape) {
            try (Tensor f = HostTensors.fromFloats(v, shape); Tensor t = f.to(dtype)) {
                Tensor out = float64 ? t.to(ScalarType.Double) : t.clone();
                out.set_requires_grad(true);
                return out;
            }
        }

        /** Logits of the head in the graph, [lead..., V], as nn.Linear computes them (addmm: one rounding). */
        Tensor logits() {
            long[] shape = TensorChecks.shape(hidden);
            shape[shape.length - 1] = V;
            Tensor h2 = hidden.reshape(-1, D);
            Tensor z = bias == null ? h2.mm(w.t()) : torch.addmm(bias, h2, w.t());
            return z.view(shape);
        }

        double[] gradW() {
            return AutogradReference.doubles(w.grad());
        }

        double[] gradP() {
            return AutogradReference.doubles(p.grad());
        }

        double[] gradB() {
            return bias == null ? new double[0] : AutogradReference.doubles(bias.grad());
        }
    }

    static long[] hiddenShape(long[] lead) {
        long[] s = java.util.Arrays.copyOf(lead, lead.length + 1);
        s[lead.length] = D;
        return s;
    }

    /** What one side produced. */
    record Outcome(double loss, double[] logp, double[] entropy, double[] tokenLoss, byte[] flags, double clip,
                   double[] gradW, double[] gradP, double[] gradB) {}

    static Outcome fused(Data d, Head head, ScalarType dt, PolicyLossInputs in, PolicyLossConfig cfg,
                         FusedLinearHead.Options opts) {
        Model m = new Model(d, head, dt, false);
        try (PolicyLossResult r = FusedLinearHead.policyLoss(m.hidden, m.w, d.targets(), in, cfg, opts.withBias(m.bias))) {
            assertNull(r.gradLogits(), "gradLogits");
            assertArrayEquals(d.lead(), TensorChecks.shape(r.logProbs()), "per-token shape");
            return new Outcome(r.loss(), vals(r.logProbs()), vals(r.entropy()), vals(r.tokenLoss()),
                    HostTensors.toBytes(r.clippedFlags()), r.clipFraction(), m.gradW(), m.gradP(), m.gradB());
        }
    }

    static Outcome fullLogits(Data d, Head head, ScalarType dt, PolicyLossInputs in, PolicyLossConfig cfg) {
        Model m = new Model(d, head, dt, false);
        Tensor logits = m.logits();
        try (PolicyLossResult r = FusedKernels.policyLoss(logits, d.targets(), in, cfg)) {
            logits.backward(r.gradLogits(), new BoolOptional(), false, new TensorArrayRefOptional());
            return new Outcome(r.loss(), vals(r.logProbs()), vals(r.entropy()), vals(r.tokenLoss()),
                    HostTensors.toBytes(r.clippedFlags()), r.clipFraction(), m.gradW(), m.gradP(), m.gradB());
        }
    }

    /** float64 autograd; per-token values of zero-coefficient rows set to 0 as the kernel reports them. */
    static Outcome float64(Data d, Head head, ScalarType dt, PolicyLossInputs in, PolicyLossConfig cfg) {
        Model m = new Model(d, head, dt, true);
        Tensor z = m.logits().reshape(-1, V);
        Tensor rounded = z.detach().to(dt).to(ScalarType.Double);
        Tensor zr = z.add(rounded.sub(z.detach()));  // forward: the dtype's logit values; backward: identity
        Tensor[] t = AutogradReference.lossTerms(zr, d.targets(), in, cfg);
        t[0].backward();
        double[] c = vals(in.coefficients()), logp = vals(t[1]), ent = vals(t[2]), tl = vals(t[3]);
        for (int i = 0; i < c.length; i++) if (c[i] == 0) logp[i] = ent[i] = tl[i] = 0;
        return new Outcome(t[0].item_double(), logp, ent, tl, null, Double.NaN, m.gradW(), m.gradP(), m.gradB());
    }

    static double[] vals(Tensor t) {
        return AutogradReference.doubles(t);
    }

    /** Per-token inputs around the current log-probs (both clip sides, dual clip, KL), coefficients of agg. */
    static PolicyLossInputs inputs(Data d, ScalarType dt, double tau, LossAggregation agg, Random rng) {
        Model m = new Model(d, Head.UNTIED, dt, false);
        try (Tensor logits = m.logits().detach()) {
            PolicyLossInputs base = FusedKernelsTest.inputs(logits, d.targets(), tau, rng);
            if (agg == null) return base;  // 1/N with every fifth row padding
            long[] lead = d.lead();
            long b = lead.length == 2 ? lead[0] : 1, t = lead.length == 2 ? lead[1] : lead[0];
            float[] mask = new float[(int) (b * t)];
            for (int i = 0; i < b; i++)
                for (int j = 0; j < t; j++) mask[(int) (i * t + j)] = j < t - i ? 1f : 0f;  // right padding
            try (Tensor mk = HostTensors.fromFloats(mask, b, t); Tensor c = agg.coefficients(mk)) {
                return new PolicyLossInputs(base.oldLogProbs(), base.refLogProbs(), base.advantages(),
                        base.weights(), c.reshape(lead));
            }
        }
    }

    static PolicyLossConfig allOptions() {
        return PolicyLossConfig.builder().temperature(1.3).clipLow(0.2).clipHigh(0.28).dualClip(3.0).klBeta(0.05)
                .entropyCoef(0.01).build();
    }

    /** Tolerances: fp32 within fp32 round-off; bf16 within a few bf16 roundings of the gradients. */
    static void compare(String what, Outcome got, Outcome want, ScalarType dt, boolean samePath) {
        boolean bf = dt != ScalarType.Float;
        assertEquals(want.loss(), got.loss(), (bf ? 2e-4 : 2e-6) + (bf ? 2e-3 : 2e-5) * Math.abs(want.loss()),
                what + ": loss");
        double tok = bf && !samePath ? 2e-3 : 5e-5;
        assertClose(what + ": logp", got.logp(), want.logp(), tok, tok);
        assertClose(what + ": entropy", got.entropy(), want.entropy(), tok, tok);
        assertClose(what + ": tokenLoss", got.tokenLoss(), want.tokenLoss(), tok, tok);
        if (want.flags() != null) {
            assertArrayEquals(want.flags(), got.flags(), what + ": clipped flags");
            assertEquals(want.clip(), got.clip(), 1e-12, what + ": clip fraction");
        }
        double rel = bf ? 2e-2 : 1e-4;
        assertClose(what + ": dL/dW", got.gradW(), want.gradW(), rel * maxAbs(want.gradW()) + 1e-12, rel);
        assertClose(what + ": dL/dP", got.gradP(), want.gradP(), rel * maxAbs(want.gradP()) + 1e-12, rel);
        assertClose(what + ": dL/db", got.gradB(), want.gradB(), rel * maxAbs(want.gradB()) + 1e-12, rel);
    }

    static Stream<Arguments> grid() {
        List<Arguments> out = new ArrayList<>();
        for (ScalarType dt : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16})
            for (Head h : Head.values())
                for (long chunk : new long[] {1, 4, 0})  // 0: the default budget (one chunk here)
                    for (boolean batchTime : new boolean[] {false, true})
                        out.add(Arguments.of(dt, h, chunk, batchTime));
        return out.stream();
    }

    static FusedLinearHead.Options chunked(long rows) {
        return rows == 0 ? FusedLinearHead.Options.DEFAULT : FusedLinearHead.Options.DEFAULT.withChunkRows(rows);
    }

    @ParameterizedTest(name = "{0} {1} chunkRows={2} [B,T,D]={3}")
    @MethodSource("grid")
    void policyLossMatchesFullLogitsAndFloat64(ScalarType dt, Head head, long chunk, boolean batchTime) {
        try (PointerScope scope = new PointerScope()) {
            Data d = batchTime ? Data.random(21, 3, 5) : Data.random(22, 15);  // N = 15: chunks of 4 leave 3
            PolicyLossConfig cfg = allOptions();
            PolicyLossInputs in = inputs(d, dt, cfg.temperature(), null, new Random(5));
            Outcome got = fused(d, head, dt, in, cfg, chunked(chunk));
            compare("vs full logits", got, fullLogits(d, head, dt, in, cfg), dt, true);
            compare("vs float64", got, float64(d, head, dt, in, cfg), dt, false);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dtypes")
    void everyLossOptionAndAggregation(ScalarType dt) {
        PolicyLossConfig base = PolicyLossConfig.builder().build();
        PolicyLossConfig[] cfgs = {base, base.toBuilder().clipLow(0.1).clipHigh(0.5).build(),
                base.toBuilder().dualClip(1.5).build(), base.toBuilder().klBeta(0.2).build(),
                base.toBuilder().entropyCoef(0.05).build(), base.toBuilder().temperature(0.6).build(), allOptions()};
        LossAggregation[] aggs = {LossAggregation.TOKEN_MEAN, LossAggregation.SEQ_MEAN_TOKEN_MEAN,
                LossAggregation.SEQ_MEAN_TOKEN_SUM_NORM};
        for (PolicyLossConfig cfg : cfgs)
            for (LossAggregation agg : aggs)
                try (PointerScope scope = new PointerScope()) {
                    Data d = Data.random(31, 4, 6);
                    PolicyLossInputs in = inputs(d, dt, cfg.temperature(), agg, new Random(6));
                    String what = cfg + " " + agg;
                    Outcome got = fused(d, Head.TIED, dt, in, cfg, chunked(5));
                    compare(what + " vs full logits", got, fullLogits(d, Head.TIED, dt, in, cfg), dt, true);
                    compare(what + " vs float64", got, float64(d, Head.TIED, dt, in, cfg), dt, false);
                }
    }

    static Stream<ScalarType> dtypes() {
        return Stream.of(ScalarType.Float, ScalarType.BFloat16);
    }

    @Test
    void bf16WeightGradAccumulatedInItsOwnDtypeStaysClose() {
        try (PointerScope scope = new PointerScope()) {
            ScalarType dt = ScalarType.BFloat16;
            Data d = Data.random(41, 15);
            PolicyLossConfig cfg = allOptions();
            PolicyLossInputs in = inputs(d, dt, cfg.temperature(), null, new Random(7));
            Outcome got = fused(d, Head.UNTIED_BIAS, dt, in, cfg, chunked(2).withFp32WeightGrad(false));
            compare("bf16 accumulation vs float64", got, float64(d, Head.UNTIED_BIAS, dt, in, cfg), dt, false);
        }
    }

    /**
     * A weight whose gradient already exists (zeroed in place between micro-batches, as the trainer's accumulator
     * leaves it) takes dL/dW added into that gradient chunk by chunk; with a tied head the embedding's part then
     * arrives through autograd. Both must still equal the float64 evaluation.
     */
    @ParameterizedTest
    @MethodSource("dtypes")
    void anExistingZeroGradientReceivesTheTiedHeadsGradient(ScalarType dt) {
        try (PointerScope scope = new PointerScope()) {
            Data d = Data.random(54, 15);
            PolicyLossConfig cfg = allOptions();
            PolicyLossInputs in = inputs(d, dt, cfg.temperature(), null, new Random(11));
            Model m = new Model(d, Head.TIED, dt, false);
            m.w.mutable_grad().put(torch.zeros_like(m.w));
            long gradData = m.w.grad().data_ptr().address();
            FusedLinearHead.Options opts = chunked(4).withFp32WeightGrad(false);
            try (PolicyLossResult r = FusedLinearHead.policyLoss(m.hidden, m.w, d.targets(), in, cfg, opts)) {
                Outcome got = new Outcome(r.loss(), vals(r.logProbs()), vals(r.entropy()), vals(r.tokenLoss()),
                        HostTensors.toBytes(r.clippedFlags()), r.clipFraction(), m.gradW(), m.gradP(), m.gradB());
                compare("existing gradient, tied " + dt, got, float64(d, Head.TIED, dt, in, cfg), dt, false);
            }
            assertEquals(gradData, m.w.grad().data_ptr().address(), "the gradient was added in place");
        }
    }

    @Test
    void gradientsAccumulateLikeAutograd() {
        try (PointerScope scope = new PointerScope()) {
            Data d = Data.random(51, 15);
            PolicyLossConfig cfg = allOptions();
            PolicyLossInputs in = inputs(d, ScalarType.Float, cfg.temperature(), null, new Random(8));
            Model m = new Model(d, Head.UNTIED_BIAS, ScalarType.Float, false);
            FusedLinearHead.Options opts = chunked(4).withBias(m.bias);
            FusedLinearHead.policyLoss(m.hidden, m.w, d.targets(), in, cfg, opts).close();
            double[] w1 = m.gradW(), p1 = m.gradP(), b1 = m.gradB();
            FusedLinearHead.policyLoss(m.hidden, m.w, d.targets(), in, cfg, opts).close();  // grads now defined
            assertClose("dW twice", m.gradW(), scaled(w1, 2), 1e-7, 1e-6);
            assertClose("dH twice", m.gradP(), scaled(p1, 2), 1e-7, 1e-6);
            assertClose("db twice", m.gradB(), scaled(b1, 2), 1e-7, 1e-6);
        }
    }

    @Test
    void nothingIsDeliveredToTensorsWithoutGradient() {
        try (PointerScope scope = new PointerScope()) {
            Data d = Data.random(52, 15);
            PolicyLossConfig cfg = allOptions();
            PolicyLossInputs in = inputs(d, ScalarType.Float, cfg.temperature(), null, new Random(9));
            Model m = new Model(d, Head.UNTIED, ScalarType.Float, false);
            Tensor frozen = m.w.detach();
            try (PolicyLossResult r = FusedLinearHead.policyLoss(m.hidden, frozen, d.targets(), in, cfg)) {
                assertTrue(m.p.grad().defined(), "hidden gets its gradient");
                assertFalse(frozen.grad().defined() || m.w.grad().defined(), "a frozen head gets none");
                assertEquals(fullLogits(d, Head.UNTIED, ScalarType.Float, in, cfg).loss(), r.loss(), 1e-6);
            }
        }
    }

    static double[] scaled(double[] a, double k) {
        double[] o = a.clone();
        for (int i = 0; i < o.length; i++) o[i] *= k;
        return o;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dtypes")
    void tokenStatsMatchFullLogitsAndFloat64(ScalarType dt) {
        for (Head head : new Head[] {Head.UNTIED, Head.UNTIED_BIAS})
            for (long chunk : new long[] {1, 4, 0})
                for (double tau : new double[] {1.0, 0.7})
                    try (PointerScope scope = new PointerScope()) {
                        Data d = Data.random(61, 3, 5);
                        Model m = new Model(d, head, dt, false);
                        Tensor logits = m.logits().detach();
                        TokenStats got = FusedLinearHead.tokenStats(m.hidden, m.w, d.targets(), tau,
                                chunked(chunk).withBias(m.bias));
                        assertArrayEquals(d.lead(), TensorChecks.shape(got.logProbs()));
                        TokenStats full = FusedKernels.tokenStats(logits, d.targets(), tau);
                        assertClose("logp vs full", vals(got.logProbs()), vals(full.logProbs()), 5e-6, 5e-6);
                        assertClose("entropy vs full", vals(got.entropy()), vals(full.entropy()), 5e-6, 5e-6);
                        Model m64 = new Model(d, head, dt, true);
                        Tensor z64 = m64.logits().detach().to(dt).to(ScalarType.Double);
                        AutogradReference ref = AutogradReference.tokenStats(z64, d.targets(), tau);
                        double tol = dt == ScalarType.Float ? 5e-5 : 2e-3;
                        assertClose("logp vs float64", vals(got.logProbs()), ref.logp, tol, tol);
                        assertClose("entropy vs float64", vals(got.entropy()), ref.entropy, tol, tol);
                        assertFalse(m.w.grad().defined(), "token statistics add nothing to the graph");
                    }
    }

    @Test
    void badArgumentsAreRejectedBeforeAnyGradientIsTouched() {
        try (PointerScope scope = new PointerScope()) {
            Data d = Data.random(71, 15);
            PolicyLossConfig cfg = allOptions();
            PolicyLossInputs in = inputs(d, ScalarType.Float, cfg.temperature(), null, new Random(10));
            Model m = new Model(d, Head.UNTIED, ScalarType.Float, false);
            Tensor y = d.targets();
            expect("weight", () -> FusedLinearHead.policyLoss(m.hidden, torch.randn(V, D + 1), y, in, cfg));
            expect("weight", () -> FusedLinearHead.policyLoss(m.hidden, m.w.to(ScalarType.BFloat16), y, in, cfg));
            expect("hidden", () -> FusedLinearHead.policyLoss(m.hidden.view(-1), m.w, y, in, cfg));
            expect("hidden", () -> FusedLinearHead.policyLoss(m.hidden.to(ScalarType.Long), m.w, y, in, cfg));
            expect("bias", () -> FusedLinearHead.policyLoss(m.hidden, m.w, y, in, cfg,
                    FusedLinearHead.Options.DEFAULT.withBias(torch.zeros(V + 1))));
            expect("targets", () -> FusedLinearHead.policyLoss(m.hidden, m.w, y.add(new Scalar(V)), in, cfg));
            expect("targets", () -> FusedLinearHead.policyLoss(m.hidden, m.w, y.narrow(0, 0, 3), in, cfg));
            expect("advantages", () -> FusedLinearHead.policyLoss(m.hidden, m.w, y, new PolicyLossInputs(
                    in.oldLogProbs(), in.refLogProbs(), in.advantages().narrow(0, 0, 3), in.weights(),
                    in.coefficients()), cfg));
            Tensor nanAdv = in.advantages().clone();
            nanAdv.narrow(0, 14, 1).fill_(new Scalar(Double.NaN));  // in the last chunk: must fail before the first
            expect("advantages", () -> FusedLinearHead.policyLoss(m.hidden, m.w, y, new PolicyLossInputs(
                    in.oldLogProbs(), in.refLogProbs(), nanAdv, in.weights(), in.coefficients()), cfg,
                    chunked(4)));
            expect("refLogProbs", () -> FusedLinearHead.policyLoss(m.hidden, m.w, y, new PolicyLossInputs(
                    in.oldLogProbs(), null, in.advantages(), in.weights(), in.coefficients()), cfg));
            expect("chunkRows", () -> FusedLinearHead.Options.DEFAULT.withChunkRows(0));
            expect("chunkBytes", () -> FusedLinearHead.Options.DEFAULT.withChunkBytes(0));
            expect("temperature", () -> FusedLinearHead.tokenStats(m.hidden, m.w, y, 0.0));
            expect("targets", () -> FusedLinearHead.tokenStats(m.hidden, m.w, y.neg(), 1.0));
            assertFalse(m.w.grad().defined() || m.p.grad().defined(), "no gradient written by a rejected call");
        }
    }

    static void expect(String argument, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(argument), "message names " + argument + ": " + e.getMessage());
    }
}
