package org.eapo4j.kernels;

import org.bytedeco.pytorch.Tensor;

/**
 * Everything one fused policy-loss call produces. Per-token tensors are fp32 with the leading shape of the logits;
 * {@code gradLogits} is dL/dlogits in the logits' dtype and shape (feed it to {@code logits.backward(gradLogits)}).
 * With an in-place gradient or a gradient buffer, {@code gradLogits} is a new handle on that caller-owned storage.
 *
 * <p>Ownership: {@link FusedKernels#policyLoss} attaches the result to the innermost open {@link KernelScope} of the
 * calling thread, which closes it when the scope closes; with no scope open the caller owns it and closes it.
 * Closing frees the per-token tensors and a fresh gradient, and releases the handle of a buffer or in-place gradient
 * (the logits and the gradient buffer passed in are never freed). Closing is idempotent.
 * {@code gradLogits} is null from {@link FusedLinearHead#policyLoss}, which delivers the gradients itself.
 *
 * @param loss         the batch loss L = sum_t c_t * l_t
 * @param klPerToken   fp32 per token, the k3 KL estimate exp(ref - logp) - (ref - logp) - 1 of SPEC.md from the
 *                     kernel's own log-prob, whenever {@code refLogProbs} was given (also with {@code klBeta = 0}, so
 *                     a reference can be monitored without being in the loss); all zeros without a reference, and 0
 *                     on rows with c_t = 0. Average it over the live tokens for the usual "mean KL" metric.
 * @param clippedFlags uint8 per token, bit 1 = the clipped surrogate was selected (CISPO: the weight was capped),
 *                     bit 2 = the dual clip was active; the loss variants (docs/LOSS_VARIANTS.md) add 4 = below the
 *                     top-entropy threshold, 8 = dropped by Clip-Cov, 16 = KL-Cov penalty on
 *                     ({@link LossVariantMetrics} turns them into shares)
 * @param clipFraction share of tokens with c_t != 0 whose surrogate was clipped (bit 1 or 2)
 */
public record PolicyLossResult(double loss, Tensor tokenLoss, Tensor logProbs, Tensor entropy, Tensor klPerToken,
                               Tensor gradLogits, Tensor clippedFlags, double clipFraction) implements AutoCloseable {
    @Override
    public void close() {
        tokenLoss.close();
        logProbs.close();
        entropy.close();
        klPerToken.close();
        if (gradLogits != null) gradLogits.close();
        clippedFlags.close();
    }
}
