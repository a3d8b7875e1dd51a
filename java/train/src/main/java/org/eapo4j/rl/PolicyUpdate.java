package org.eapo4j.rl;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.kernels.LossAggregation;
import org.eapo4j.kernels.PolicyLossConfig;
import org.eapo4j.kernels.PolicyLossInputs;
import org.eapo4j.kernels.PolicyLossResult;
import org.eapo4j.kernels.TokenStats;
import org.eapo4j.model.AdamW;
import org.eapo4j.model.CausalLM;
import org.eapo4j.tensors.HostTensors;

/**
 * The policy-gradient update of one rollout batch: for every minibatch, recompute the logits under the current
 * policy, call {@link FusedKernels#policyLoss} (clipped surrogate, weights, optional k3 KL and entropy bonus, all
 * per SPEC.md), push its dL/dlogits through the model with {@code logits.backward(grad)}, clip the gradient norm and
 * take an AdamW step.
 *
 * <p>The supervised warm-up ({@link #supervised}) is the same minibatch step with old = the current log-probs (so
 * the ratio is 1 and no clipping applies), A = 1, w = 1 and token-mean coefficients: the kernel's dL/dlog p is then
 * exactly -c_t, the gradient of the masked mean cross-entropy (WarmupGradientTest checks it against autograd).
 */
public final class PolicyUpdate {
    /** Averages over the minibatch steps of one update. */
    public record Stats(double loss, double clipFraction, double kl, double entropy, double gradNorm, int optimizerSteps) {}

    /** One supervised step: the masked mean cross-entropy before the step and the gradient norm before clipping. */
    public record SupervisedStats(double crossEntropy, double gradNorm) {}

    /** What one minibatch step measured; {@code meanOldLogp} is the mask-weighted mean of the old log-probs. */
    private record Minibatch(double loss, double clipFraction, double kl, double entropy, double gradNorm,
                             double meanOldLogp) {}

    private PolicyUpdate() {}

    /**
     * @param oldLogp    [rows * tr] log-probs of the rollout policy (from its token-statistics pass)
     * @param refLogp    [rows * tr] log-probs of the reference policy, or null
     * @param advantages per row
     * @param weights    per row (lambda_pos / lambda_neg / 0)
     */
    public static Stats run(CausalLM model, AdamW opt, SequenceBatch batch, float[] oldLogp, float[] refLogp,
                            double[] advantages, double[] weights, UpdateConfig cfg, SplittableRandom rng) {
        if (oldLogp == null) throw new IllegalArgumentException("oldLogp is null");
        double loss = 0, clip = 0, kl = 0, ent = 0, gn = 0;
        int steps = 0;
        float[] adv = batch.broadcast(advantages), w = batch.broadcast(weights);
        for (int e = 0; e < cfg.epochs(); e++) {
            int[] perm = permutation(batch.rows, rng);
            int mbs = Math.min(cfg.minibatches(), batch.rows);
            for (int mb = 0; mb < mbs; mb++) {
                int from = mb * batch.rows / mbs, to = (mb + 1) * batch.rows / mbs;
                int[] rows = Arrays.copyOfRange(perm, from, to);
                SequenceBatch sub = batch.subset(rows);
                Minibatch r = step(model, opt, sub, gather(oldLogp, rows, batch.tr),
                        refLogp == null ? null : gather(refLogp, rows, batch.tr), gather(adv, rows, batch.tr),
                        gather(w, rows, batch.tr), cfg);
                loss += r.loss();
                clip += r.clipFraction();
                kl += r.kl();
                ent += r.entropy();
                gn += r.gradNorm();
                steps++;
            }
        }
        return new Stats(loss / steps, clip / steps, kl / steps, ent / steps, gn / steps, steps);
    }

    /** One teacher-forcing step on {@code batch} (prompts + reference answers) at learning rate {@code lr}. */
    public static SupervisedStats supervised(CausalLM model, AdamW opt, SequenceBatch batch, double lr,
                                             double maxGradNorm) {
        UpdateConfig cfg = new UpdateConfig(PolicyLossConfig.DEFAULT, LossAggregation.TOKEN_MEAN, 1, 1, lr,
                maxGradNorm, batch.tr);
        float[] ones = new float[batch.rows * batch.tr];
        Arrays.fill(ones, 1f);
        Minibatch r = step(model, opt, batch, null, null, ones, ones, cfg);
        return new SupervisedStats(-r.meanOldLogp(), r.gradNorm());
    }

    /** One minibatch; {@code old == null} means on-policy: old = the current log-probs (ratio 1). */
    private static Minibatch step(CausalLM model, AdamW opt, SequenceBatch sub, float[] old, float[] ref,
                                  float[] adv, float[] w, UpdateConfig cfg) {
        try (PointerScope scope = new PointerScope()) {
            opt.zeroGrad();
            Tensor logits = sub.responseLogits(model);
            Tensor y = sub.targetTensor();
            if (old == null) {
                try (Tensor detached = logits.detach();
                     TokenStats st = FusedKernels.tokenStats(detached, y, cfg.loss().temperature())) {
                    old = HostTensors.toFloats(st.logProbs());
                }
            }
            float[] c = cfg.aggregation().coefficients(sub.mask, sub.rows, sub.tr, Math.max(cfg.maxLength(), sub.tr));
            PolicyLossInputs in = new PolicyLossInputs(sub.perToken(old), ref == null ? null : sub.perToken(ref),
                    sub.perToken(adv), sub.perToken(w), sub.perToken(c));
            double kl = 0, ent;
            try (PolicyLossResult res = FusedKernels.policyLoss(logits, y, in, cfg.loss())) {
                logits.backward(res.gradLogits(), new BoolOptional(), false, new TensorArrayRefOptional());
                ent = sub.maskedMean(HostTensors.toFloats(res.entropy()));
                if (ref != null) kl = sub.maskedMean(HostTensors.toFloats(res.klPerToken()));   // the kernel's k3
                double gradNorm = opt.clipGradNorm(cfg.maxGradNorm());
                opt.step(cfg.lr());
                return new Minibatch(res.loss(), res.clipFraction(), kl, ent, gradNorm, sub.maskedMean(old));
            }
        }
    }

    /** A uniform random permutation of 0..n-1 (Fisher-Yates), drawn from rng. */
    public static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    static float[] gather(float[] perToken, int[] rows, int tr) {
        float[] out = new float[rows.length * tr];
        for (int i = 0; i < rows.length; i++) System.arraycopy(perToken, rows[i] * tr, out, i * tr, tr);
        return out;
    }
}
