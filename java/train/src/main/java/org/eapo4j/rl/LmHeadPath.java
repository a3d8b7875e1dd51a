package org.eapo4j.rl;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.kernels.FusedLinearHead;
import org.eapo4j.kernels.PolicyLossConfig;
import org.eapo4j.kernels.PolicyLossInputs;
import org.eapo4j.kernels.PolicyLossResult;
import org.eapo4j.kernels.TokenStats;
import org.eapo4j.model.CausalLM;
import org.eapo4j.tensors.HostTensors;

/**
 * How a {@link CausalLM}'s response tokens reach the loss: through the full [B, tr, V] logits
 * ({@link #FULL_LOGITS}: the model's own head, then {@link FusedKernels}) or through the hidden states and
 * {@link FusedLinearHead} ({@link #FUSED_HEAD}: the [B, tr, V] logits never exist). The two give the same loss and
 * gradients within floating-point tolerance; the switch exists to compare them (memory, time) on a real model.
 */
public enum LmHeadPath {
    FULL_LOGITS,
    FUSED_HEAD;

    /**
     * The policy loss of the batch's response tokens under {@code model}, with its backward pass already run (the
     * gradients are in the model's parameters). The caller closes the result.
     */
    public PolicyLossResult policyLossAndBackward(CausalLM model, SequenceBatch batch, PolicyLossInputs in,
                                                  PolicyLossConfig cfg) {
        try (PointerScope scope = new PointerScope()) {
            Device d = OnDevice.of(model);
            Tensor y = OnDevice.put(batch.targetTensor(), d);
            PolicyLossResult r;
            if (this == FUSED_HEAD) {
                Tensor hidden = responseSlice(batch, model.hiddenStates(ids(batch, d), mask(batch, d)));
                r = FusedLinearHead.policyLoss(hidden, model.headWeight(), y, in, cfg, options(model));
            } else {
                Tensor logits = responseSlice(batch, model.logits(ids(batch, d), mask(batch, d)));
                r = FusedKernels.policyLoss(logits, y, in, cfg);
                logits.backward(r.gradLogits(), new BoolOptional(), false, new TensorArrayRefOptional());
            }
            return keep(r);
        }
    }

    /** Log-probs and entropies of the response tokens, no gradient: [rows * tr] each. */
    public float[][] tokenStats(CausalLM model, SequenceBatch batch, double temperature) {
        if (this == FULL_LOGITS) return batch.tokenStats(model, temperature);
        try (NoGradGuard g = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            Device d = OnDevice.of(model);
            Tensor y = OnDevice.put(batch.targetTensor(), d);
            TokenStats st = this == FUSED_HEAD
                    ? FusedLinearHead.tokenStats(responseSlice(batch, model.hiddenStates(ids(batch, d), mask(batch, d))),
                            model.headWeight(), y, temperature, options(model))
                    : FusedKernels.tokenStats(responseSlice(batch, model.logits(ids(batch, d), mask(batch, d))), y,
                            temperature);
            return new float[][] {HostTensors.toFloats(st.logProbs()), HostTensors.toFloats(st.entropy())};
        }
    }

    private static FusedLinearHead.Options options(CausalLM model) {
        return FusedLinearHead.Options.DEFAULT.withBias(model.headBias());
    }

    /** Positions tp - 1 .. tp + tr - 2 of a [B, tp + tr - 1, *] output: those that predict the response tokens. */
    private static Tensor responseSlice(SequenceBatch b, Tensor full) {
        return full.narrow(1, b.tp - 1, b.tr);
    }

    /** Input ids [B, tp + tr - 1] (the last token predicts nothing), on device {@code d}. */
    private static Tensor ids(SequenceBatch b, Device d) {
        int t = b.tp + b.tr - 1;
        long[] flat = new long[b.rows * t];
        for (int i = 0; i < b.rows; i++) System.arraycopy(b.tokens[i], 0, flat, i * t, t);
        return OnDevice.put(HostTensors.fromLongs(flat, b.rows, t), d);
    }

    /** Attention mask [B, tp + tr - 1] as int64 (1 = token), on device {@code d}. */
    private static Tensor mask(SequenceBatch b, Device d) {
        int t = b.tp + b.tr - 1;
        long[] flat = new long[b.rows * t];
        for (int i = 0; i < b.rows; i++)
            for (int j = 0; j < t; j++) flat[i * t + j] = b.real[i][j] ? 1 : 0;
        return OnDevice.put(HostTensors.fromLongs(flat, b.rows, t), d);
    }

    /** The result's tensors outlive the enclosing scope. */
    private static PolicyLossResult keep(PolicyLossResult r) {
        for (Tensor t : new Tensor[] {r.tokenLoss(), r.logProbs(), r.entropy(), r.klPerToken(), r.gradLogits(),
                r.clippedFlags()})
            if (t != null) t.retainReference();
        return r;
    }
}
