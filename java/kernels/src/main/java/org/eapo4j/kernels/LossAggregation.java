package org.eapo4j.kernels;

import org.bytedeco.pytorch.Tensor;
import org.eapo4j.tensors.HostTensors;

/**
 * Aggregation coefficients c_t of SPEC.md, built from a response mask: the batch loss is sum_t c_t * l_t.
 * Padding (mask 0) gets c = 0, which the kernels skip with a zero gradient row.
 *
 * <p>Ownership: the tensor methods return a new fp32 tensor that the caller owns and closes (it is not attached to a
 * {@link KernelScope}; a JavaCPP {@code PointerScope} open on the thread does take it). The mask is never closed.
 */
public enum LossAggregation {
    /** m_t / sum(m): every token of the batch weighs the same. */
    TOKEN_MEAN("token-mean"),
    /** m_t / (B * L_i): mean over each sequence's tokens, then over sequences. */
    SEQ_MEAN_TOKEN_MEAN("seq-mean-token-mean"),
    /** m_t / B: token sum per sequence, mean over sequences. */
    SEQ_MEAN_TOKEN_SUM("seq-mean-token-sum"),
    /** m_t / (B * L_max): Dr. GRPO's length-unbiased normalisation by a fixed length. */
    SEQ_MEAN_TOKEN_SUM_NORM("seq-mean-token-sum-norm");

    private final String cliName;

    LossAggregation(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    public static LossAggregation fromName(String name) {
        for (LossAggregation a : values()) if (a.cliName.equals(name) || a.name().equalsIgnoreCase(name)) return a;
        throw new IllegalArgumentException("unknown aggregation '" + name + "'; expected one of token-mean, "
                + "seq-mean-token-mean, seq-mean-token-sum, seq-mean-token-sum-norm");
    }

    /**
     * The aggregation behind one of TRL's {@code loss_type} values (they name aggregations, plus CISPO's surrogate):
     * grpo = seq-mean-token-mean; bnpo = token-mean over the local batch; dr_grpo = seq-mean-token-sum-norm with
     * L_max = max_completion_length; dapo and cispo = token-mean over the global batch's tokens (pass the global
     * count as batchTokens). For cispo the caller also sets {@link Surrogate#CISPO}.
     */
    public static LossAggregation ofTrlLossType(String lossType) {
        if (lossType == null) throw new IllegalArgumentException("loss_type must not be null");
        return switch (lossType) {
            case "grpo" -> SEQ_MEAN_TOKEN_MEAN;
            case "bnpo", "dapo", "cispo" -> TOKEN_MEAN;
            case "dr_grpo" -> SEQ_MEAN_TOKEN_SUM_NORM;
            default -> throw new IllegalArgumentException("unknown loss_type '" + lossType
                    + "'; expected one of grpo, bnpo, dr_grpo, dapo, cispo");
        };
    }

    /** Coefficients for a [B, T] mask (any numeric dtype, 0 = padding), with L_max = T. */
    public Tensor coefficients(Tensor mask) {
        return coefficients(mask, mask.dim() == 2 ? mask.size(1) : 0);
    }

    /** Coefficients for a [B, T] mask with an explicit L_max (used by {@link #SEQ_MEAN_TOKEN_SUM_NORM}). */
    public Tensor coefficients(Tensor mask, long lMax) {
        if (mask == null || mask.dim() != 2) throw new IllegalArgumentException("mask must be a [B, T] tensor");
        if (lMax <= 0) throw new IllegalArgumentException("lMax must be > 0, got " + lMax);
        int b = (int) mask.size(0), t = (int) mask.size(1);
        float[] m = HostTensors.toFloats(mask);
        for (float v : m)
            if (v != 0f && v != 1f) throw new IllegalArgumentException("mask must hold only 0 and 1, got " + v);
        float[] c = coefficients(m, b, t, lMax);
        try (Tensor host = HostTensors.fromFloats(c, b, t)) {
            return mask.is_cpu() ? host.alias() : host.to(mask.device(), org.bytedeco.pytorch.global.torch.ScalarType.Float);
        }
    }

    /** The same on a row-major [B, T] array. */
    public float[] coefficients(float[] mask, int b, int t, long lMax) {
        double total = 0;
        for (float v : mask) total += v;
        return coefficients(mask, b, t, lMax, b, total);
    }

    /**
     * The same for {@code b} rows that are part of a larger batch of {@code batchRows} rows and {@code batchTokens}
     * mask tokens (e.g. one rank's share of a minibatch spread over several processes): the denominators use the
     * whole batch's counts, so the parts' losses add up to the whole batch's loss.
     */
    public float[] coefficients(float[] mask, int b, int t, long lMax, int batchRows, double batchTokens) {
        if (batchRows < b) throw new IllegalArgumentException("batchRows " + batchRows + " < rows " + b);
        float[] c = new float[b * t];
        for (int i = 0; i < b; i++) {
            double len = 0;
            for (int j = 0; j < t; j++) len += mask[i * t + j];
            for (int j = 0; j < t; j++) {
                float m = mask[i * t + j];
                if (m == 0f) continue;
                double denom = switch (this) {
                    case TOKEN_MEAN -> batchTokens;
                    case SEQ_MEAN_TOKEN_MEAN -> (double) batchRows * len;
                    case SEQ_MEAN_TOKEN_SUM -> batchRows;
                    case SEQ_MEAN_TOKEN_SUM_NORM -> (double) batchRows * lMax;
                };
                c[i * t + j] = (float) (m / denom);
            }
        }
        return c;
    }
}
