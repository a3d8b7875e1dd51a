package org.eapo4j.kernels;

import org.bytedeco.pytorch.Tensor;

/**
 * Per-token inputs of the policy loss (SPEC.md), each with the leading shape of the logits and on their device.
 * Any strides (a stride-0 broadcast of one value is fine); they may share memory with each other (they are only
 * read), never with the gradient destination. The record holds the caller's tensors and never closes them.
 *
 * @param oldLogProbs  fp32, log-prob of the sampled token under the rollout policy
 * @param refLogProbs  fp32, log-prob under the frozen reference policy, or {@code null} for no KL term
 * @param advantages   fp32, advantage of the token's sequence, broadcast to its tokens
 * @param weights      fp32, sample weight of the token's sequence (lambda_pos or lambda_neg)
 * @param coefficients fp32, aggregation coefficient c_t; 0 for padding (see {@link LossAggregation})
 * @param seqLogRatio  fp32, the token's sequence mean of (logp - old), detached: required with
 *                     {@link ImportanceSamplingLevel#SEQUENCE} (GSPO), {@code null} otherwise
 *                     ({@link SequenceLogRatio} builds it)
 * @param pgKeep       uint8, 0 removes the token's policy-gradient term (Clip-Cov; {@link CovarianceSelection}), or
 *                     {@code null} to keep every token's
 * @param absKlCoef    fp32 &gt;= 0, adds k_t * |logp - old| to the token's policy-gradient term (KL-Cov;
 *                     {@link CovarianceSelection}), or {@code null}
 */
public record PolicyLossInputs(Tensor oldLogProbs, Tensor refLogProbs, Tensor advantages, Tensor weights,
                               Tensor coefficients, Tensor seqLogRatio, Tensor pgKeep, Tensor absKlCoef) {

    /** The inputs of SPEC.md's clipped surrogate, with no loss-variant input. */
    public PolicyLossInputs(Tensor oldLogProbs, Tensor refLogProbs, Tensor advantages, Tensor weights,
                            Tensor coefficients) {
        this(oldLogProbs, refLogProbs, advantages, weights, coefficients, null, null, null);
    }

    /** These inputs with the loss-variant inputs replaced (each may be null). */
    public PolicyLossInputs withVariants(Tensor seqLogRatio, Tensor pgKeep, Tensor absKlCoef) {
        return new PolicyLossInputs(oldLogProbs, refLogProbs, advantages, weights, coefficients, seqLogRatio, pgKeep,
                absKlCoef);
    }
}
