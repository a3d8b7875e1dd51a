package org.eapo4j.rl;

import org.eapo4j.kernels.LossAggregation;
import org.eapo4j.kernels.PolicyLossConfig;

/**
 * How one rollout batch updates the policy: {@code epochs} passes over it in {@code minibatches} shuffled parts,
 * each part one AdamW step of learning rate {@code lr} after clipping the global gradient norm to
 * {@code maxGradNorm} (0 = no clipping). The loss itself is {@code loss} aggregated by {@code aggregation}, with
 * L_max = {@code maxLength} for seq-mean-token-sum-norm. {@code head} says how the response tokens reach the loss:
 * the full logits or the fused linear head (no [N, V] logits). {@code unitRows} > 0 runs each minibatch as
 * micro-batches of its rows within each unit of that many consecutive batch rows (a prompt group); 0 = one pass.
 */
public record UpdateConfig(PolicyLossConfig loss, LossAggregation aggregation, int epochs, int minibatches,
                           double lr, double maxGradNorm, int maxLength, LmHeadPath head, int unitRows) {
    public UpdateConfig {
        if (epochs < 1 || minibatches < 1) throw new IllegalArgumentException("epochs and minibatches must be >= 1");
        if (!(lr > 0)) throw new IllegalArgumentException("lr must be > 0");
        if (head == null) throw new IllegalArgumentException("head must not be null");
        if (unitRows < 0) throw new IllegalArgumentException("unitRows must be >= 0, got " + unitRows);
    }

    /** One pass per minibatch (no micro-batches). */
    public UpdateConfig(PolicyLossConfig loss, LossAggregation aggregation, int epochs, int minibatches, double lr,
                        double maxGradNorm, int maxLength, LmHeadPath head) {
        this(loss, aggregation, epochs, minibatches, lr, maxGradNorm, maxLength, head, 0);
    }

    /** Through the full logits. */
    public UpdateConfig(PolicyLossConfig loss, LossAggregation aggregation, int epochs, int minibatches, double lr,
                        double maxGradNorm, int maxLength) {
        this(loss, aggregation, epochs, minibatches, lr, maxGradNorm, maxLength, LmHeadPath.FULL_LOGITS);
    }
}
