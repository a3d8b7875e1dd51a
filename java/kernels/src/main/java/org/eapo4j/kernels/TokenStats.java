package org.eapo4j.kernels;

import org.bytedeco.pytorch.Tensor;

/**
 * Per-token log-probability of the target and token entropy, both fp32 with the leading shape of the logits
 * ([N] for [N, V] logits, [B, T] for [B, T, V]).
 *
 * <p>Ownership: both tensors are new. {@link FusedKernels#tokenStats} attaches the record to the innermost open
 * {@link KernelScope} of the calling thread, which frees them when it closes; with no scope open the caller owns them
 * and closes the record (idempotent: closing twice, or closing and then the scope, is harmless). A tensor taken out
 * of the record dies with it; {@code alias()} it, or {@link KernelScope#detach} the record, to keep it longer.
 */
public record TokenStats(Tensor logProbs, Tensor entropy) implements AutoCloseable {
    @Override
    public void close() {
        logProbs.close();
        entropy.close();
    }
}
