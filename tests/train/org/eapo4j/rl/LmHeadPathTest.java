package org.eapo4j.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.kernels.LossAggregation;
import org.eapo4j.kernels.PolicyLossConfig;
import org.eapo4j.kernels.PolicyLossInputs;
import org.eapo4j.kernels.PolicyLossResult;
import org.eapo4j.model.CausalLM;
import org.eapo4j.model.KvCache;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.Test;

/**
 * The trainer's switch between the full-logits path and the fused head on a small {@link CausalLM}: both paths give
 * the loss and the gradient in every parameter of a full-logits step written out by hand (on the separately tested
 * {@link FusedKernels}), with a tied head and with an untied head that has a bias.
 */
class LmHeadPathTest {
    static final int V = 29, D = 6, TMAX = 16;

    /** hidden = tanh(E[ids] + P[t]); logits = hidden W^T (+ b), W = E when tied. */
    static final class ToyLM implements CausalLM {
        final Map<String, Tensor> params = new LinkedHashMap<>();
        final boolean tied;

        ToyLM(boolean tied, long seed) {
            this.tied = tied;
            Random rng = new Random(seed);
            params.put("embed", param(rng, V, D));
            params.put("pos", param(rng, TMAX, D));
            if (!tied) {
                params.put("head", param(rng, V, D));
                params.put("bias", param(rng, V));
            }
        }

        private static Tensor param(Random rng, long... shape) {
            int n = 1;
            for (long s : shape) n *= (int) s;
            float[] v = new float[n];
            for (int i = 0; i < n; i++) v[i] = (float) rng.nextGaussian();
            Tensor t = HostTensors.fromFloats(v, shape);
            t.set_requires_grad(true);
            return t;
        }

        @Override
        public Tensor hiddenStates(Tensor ids, Tensor mask) {
            long b = ids.size(0), t = ids.size(1);
            try (Tensor flat = ids.reshape(-1); Tensor e = params.get("embed").index_select(0, flat);
                 Tensor ev = e.view(b, t, D); Tensor p = params.get("pos").narrow(0, 0, t); Tensor s = ev.add(p)) {
                return s.tanh();
            }
        }

        @Override
        public Tensor logits(Tensor ids, Tensor mask) {
            try (Tensor h = hiddenStates(ids, mask); Tensor wt = headWeight().t(); Tensor z = h.matmul(wt)) {
                return headBias() == null ? z.alias() : z.add(headBias());
            }
        }

        @Override
        public Tensor headWeight() {
            return params.get(tied ? "embed" : "head");
        }

        @Override
        public Tensor headBias() {
            return tied ? null : params.get("bias");
        }

        @Override
        public Tensor logits(Tensor ids, Tensor mask, KvCache cache) {
            throw new UnsupportedOperationException();
        }

        @Override
        public KvCache newCache() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int vocabSize() {
            return V;
        }

        @Override
        public int maxPositions() {
            return TMAX;
        }

        @Override
        public Map<String, Tensor> namedParameters() {
            return params;
        }

        @Override
        public CausalLM frozenCopy() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void copyFrom(CausalLM other) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
            for (Tensor t : params.values()) t.close();
        }
    }

    static SequenceBatch batch() {
        int[][] prompts = {{1, 2, 3}, {4, 5}, {6}};
        int[][] responses = {{7, 8, 9, 10}, {11, 12}, {13, 14, 15}};
        return new SequenceBatch(prompts, responses, 0);
    }

    /**
     * The reference, written here apart from {@link LmHeadPath}: the rows of {@link #batch()} laid out by hand
     * (left-padded prompt, response, last token dropped), the model's logits at positions tp - 1 .. tp + tr - 2,
     * {@link FusedKernels#policyLoss} and {@code logits.backward}. Returns the loss.
     */
    static double reference(ToyLM model, SequenceBatch b, PolicyLossInputs in, PolicyLossConfig cfg) {
        long[] ids = {1, 2, 3, 7, 8, 9, 0, 4, 5, 11, 12, 0, 0, 0, 6, 13, 14, 15};
        long[] mask = {1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1};
        long[] targets = {7, 8, 9, 10, 11, 12, 0, 0, 13, 14, 15, 0};
        Tensor logits = model.logits(HostTensors.fromLongs(ids, 3, 6), HostTensors.fromLongs(mask, 3, 6))
                .narrow(1, 2, 4);
        try (PolicyLossResult r = FusedKernels.policyLoss(logits, HostTensors.fromLongs(targets, 3, 4), in, cfg)) {
            logits.backward(r.gradLogits(), new BoolOptional(), false, new TensorArrayRefOptional());
            return r.loss();
        }
    }

    @Test
    void bothPathsMatchAHandWrittenFullLogitsStep() {
        for (boolean tied : new boolean[] {true, false})
            for (LmHeadPath path : LmHeadPath.values()) {
                try (ToyLM ref = new ToyLM(tied, 3); ToyLM model = new ToyLM(tied, 3);
                     PointerScope scope = new PointerScope()) {
                    SequenceBatch b = batch();
                    String what = path + (tied ? " tied" : " untied with bias");
                    PolicyLossConfig cfg = PolicyLossConfig.builder().temperature(0.9).clipHigh(0.28)
                            .entropyCoef(0.01).klBeta(0.1).build();
                    float[][] stats = path.tokenStats(model, b, cfg.temperature());
                    PolicyLossInputs in = inputs(b, stats[0]);
                    double want = reference(ref, b, in, cfg);
                    // the log-probs the path reported are those of the reference's logits (padding rows aside)
                    try (PolicyLossResult r = path.policyLossAndBackward(model, b, in, cfg)) {
                        assertEquals(want, r.loss(), 1e-6 + 1e-5 * Math.abs(want), what + ": loss");
                        assertTrue(want != 0, "a non-trivial loss");
                        float[] lp = HostTensors.toFloats(r.logProbs());
                        for (int i = 0; i < lp.length; i++)
                            if (b.mask[i] != 0) assertEquals(stats[0][i], lp[i], 1e-5, what + ": logp[" + i + "]");
                    }
                    for (String name : ref.params.keySet()) {
                        float[] w = HostTensors.toFloats(ref.params.get(name).grad());
                        float[] g = HostTensors.toFloats(model.params.get(name).grad());
                        assertClose(what + ": d/d" + name, g, w, 1e-4);
                    }
                }
            }
    }

    /** Old log-probs shifted off the current ones (so both clip sides are hit), mixed advantages, token-mean. */
    static PolicyLossInputs inputs(SequenceBatch b, float[] logp) {
        float[] old = new float[logp.length], ref = new float[logp.length], adv = new float[logp.length];
        for (int i = 0; i < logp.length; i++) {
            old[i] = logp[i] + (i % 3 == 0 ? 0.5f : i % 3 == 1 ? -0.4f : 0.02f);
            ref[i] = logp[i] - 0.3f;
            adv[i] = i % 2 == 0 ? 1.2f : -0.7f;
        }
        float[] c = LossAggregation.TOKEN_MEAN.coefficients(b.mask, b.rows, b.tr, b.tr);
        float[] w = new float[logp.length];
        java.util.Arrays.fill(w, 1f);
        return new PolicyLossInputs(b.perToken(old), b.perToken(ref), b.perToken(adv), b.perToken(w), b.perToken(c));
    }

    static void assertClose(String what, float[] got, float[] want, double rel) {
        assertEquals(want.length, got.length, what + ": length");
        double max = 0;
        for (float x : want) max = Math.max(max, Math.abs(x));
        for (int i = 0; i < want.length; i++)
            assertEquals(want[i], got[i], rel * max + 1e-7, what + "[" + i + "]");
    }
}
