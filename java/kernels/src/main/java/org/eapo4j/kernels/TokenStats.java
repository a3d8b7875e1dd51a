package org.eapo4j.kernels;

import org.bytedeco.pytorch.Tensor;

/**
 * Per-token log-probability of the target and token entropy, both fp32 with the leading shape of the logits
 * ([N] for [N, V] logits, [B, T] for [B, T, V]). The caller owns both tensors: close the record when done.
 */
public record TokenStats(Tensor logProbs, Tensor entropy) implements AutoCloseable {
    @Override
    public void close() {
        logProbs.close();
        entropy.close();
    }
}
