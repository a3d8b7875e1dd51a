package org.eapo4j.kernels;

import org.bytedeco.pytorch.Tensor;

/**
 * Per-token inputs of the policy loss (SPEC.md), each fp32 with the leading shape of the logits and on their device.
 * Any strides (a stride-0 broadcast of one value is fine); they may share memory with each other (they are only
 * read), never with the gradient destination. The record holds the caller's tensors and never closes them.
 *
 * @param oldLogProbs  log-prob of the sampled token under the rollout policy
 * @param refLogProbs  log-prob under the frozen reference policy, or {@code null} for no KL term
 * @param advantages   advantage of the token's sequence, broadcast to its tokens
 * @param weights      sample weight of the token's sequence (lambda_pos or lambda_neg)
 * @param coefficients aggregation coefficient c_t; 0 for padding (see {@link LossAggregation})
 */
public record PolicyLossInputs(Tensor oldLogProbs, Tensor refLogProbs, Tensor advantages, Tensor weights,
                               Tensor coefficients) {
}
