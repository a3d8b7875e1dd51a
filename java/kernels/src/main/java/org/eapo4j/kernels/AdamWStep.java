package org.eapo4j.kernels;

/**
 * The hyper-parameters of one {@link FusedAdamW#step} (torch.optim.AdamW's names), checked when built: each bad value
 * is an {@link IllegalArgumentException} naming the field.
 *
 * @param lr          learning rate, finite, &gt;= 0
 * @param beta1       first-moment decay, in [0, 1)
 * @param beta2       second-moment decay, in [0, 1)
 * @param eps         added to the bias-corrected root of the second moment, finite, &gt; 0
 * @param weightDecay decoupled weight decay (the parameter is multiplied by 1 - lr * weightDecay), finite, &gt;= 0
 * @param step        this step's number, &gt;= 1: the bias corrections are 1 - beta^step
 * @param gradScale   multiplies the gradient before anything else, finite, &gt; 0; 1 = none (fold a gradient-norm
 *                    clipping coefficient in here instead of rescaling the gradients first)
 */
public record AdamWStep(double lr, double beta1, double beta2, double eps, double weightDecay, long step,
                        double gradScale) {
    public AdamWStep {
        if (!(Double.isFinite(lr) && lr >= 0)) throw new IllegalArgumentException("lr must be finite and >= 0, got " + lr);
        if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
        if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
        if (!(Double.isFinite(eps) && eps > 0)) throw new IllegalArgumentException("eps must be finite and > 0, got " + eps);
        if (!(Double.isFinite(weightDecay) && weightDecay >= 0))
            throw new IllegalArgumentException("weightDecay must be finite and >= 0, got " + weightDecay);
        if (step < 1) throw new IllegalArgumentException("step must be >= 1, got " + step);
        if (!(Double.isFinite(gradScale) && gradScale > 0))
            throw new IllegalArgumentException("gradScale must be finite and > 0 (1 = none), got " + gradScale);
    }

    /** No gradient scaling. */
    public AdamWStep(double lr, double beta1, double beta2, double eps, double weightDecay, long step) {
        this(lr, beta1, beta2, eps, weightDecay, step, 1.0);
    }
}
