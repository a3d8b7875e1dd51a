package org.eapo4j.kernels;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.tensors.HostTensors;

/**
 * The per-token input of GSPO ({@link ImportanceSamplingLevel#SEQUENCE}): for sequence i, the mean over its response
 * tokens of (logp - old), broadcast to every token of the sequence (TRL: sum(log_ratio * mask) / max(sum(mask), 1)).
 *
 * <p>Exactness: the fused kernel uses this value as log s_i and gives each token the gradient of
 * sg[s_i] * pi_t / sg[pi_t]. With {@code logProbs} the current policy's log-probs (a {@link FusedKernels#tokenStats}
 * or {@link FusedLinearHead#tokenStats} pass over the same logits just before the loss) and coefficients that are
 * constant over a sequence's tokens (every {@link LossAggregation}), loss and gradient equal TRL's
 * {@code importance_sampling_level="sequence"}, whose gradient flows through the mean. With the old-policy pass's
 * log-probs instead (no extra pass), s_i = 1: exact at the first optimizer step of a rollout batch (on-policy), an
 * approximation after it. docs/LOSS_VARIANTS.md has the derivation. Stateless.
 */
public final class SequenceLogRatio {
    private SequenceLogRatio() {}

    /**
     * [B, T] fp32 tensors (any device) and a [B, T] mask (0 = padding): a new fp32 [B, T] tensor on logProbs'
     * device that the caller owns and closes.
     */
    public static Tensor perToken(Tensor logProbs, Tensor oldLogProbs, Tensor mask) {
        int[] bt = SequenceRows.shape("logProbs", logProbs);
        SequenceRows.requireSameShape("oldLogProbs", oldLogProbs, bt);
        SequenceRows.requireSameShape("mask", mask, bt);
        float[] out = perToken(HostTensors.toFloats(logProbs), HostTensors.toFloats(oldLogProbs),
                HostTensors.toFloats(mask), bt[0], bt[1]);
        return HostTensors.toDeviceOf(HostTensors.fromFloats(out, bt[0], bt[1]), logProbs);
    }

    /** The same on row-major [B, T] arrays. */
    public static float[] perToken(float[] logp, float[] old, float[] mask, int b, int t) {
        SequenceRows.requireLength("logp", logp, b, t);
        SequenceRows.requireLength("old", old, b, t);
        SequenceRows.requireLength("mask", mask, b, t);
        float[] out = new float[b * t];
        for (int i = 0; i < b; i++) {
            double sum = 0, len = 0;
            for (int j = 0; j < t; j++) {
                int k = i * t + j;
                sum += (double) mask[k] * ((double) logp[k] - old[k]);
                len += mask[k];
            }
            float mean = (float) (sum / Math.max(len, 1.0));
            if (!Float.isFinite(mean)) throw new IllegalArgumentException("sequence " + i + ": log-ratio mean is not finite");
            java.util.Arrays.fill(out, i * t, (i + 1) * t, mean);
        }
        return out;
    }
}
