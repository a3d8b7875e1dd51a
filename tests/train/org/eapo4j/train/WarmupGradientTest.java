package org.eapo4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.kernels.LossAggregation;
import org.eapo4j.kernels.PolicyLossConfig;
import org.eapo4j.kernels.PolicyLossInputs;
import org.eapo4j.kernels.PolicyLossResult;
import org.eapo4j.kernels.TokenStats;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.Test;

/**
 * The warm-up's gradient path: the policy-loss kernel with old = log p, A = 1, w = 1 and token-mean coefficients
 * gives the gradient of the masked mean cross-entropy, which LibTorch autograd of log_softmax computes independently.
 */
class WarmupGradientTest {
    @Test
    void kernelGradientEqualsCrossEntropyGradient() {
        try (PointerScope scope = new PointerScope()) {
            int b = 3, t = 5, v = 11;
            Random rng = new Random(4);
            float[] z = new float[b * t * v];
            for (int i = 0; i < z.length; i++) z[i] = (float) (rng.nextGaussian() * 2);
            long[] y = new long[b * t];
            for (int i = 0; i < y.length; i++) y[i] = rng.nextInt(v);
            float[] mask = {1, 1, 1, 1, 1, /* */ 1, 1, 0, 0, 0, /* */ 1, 1, 1, 0, 0};
            Tensor logits = HostTensors.fromFloats(z, b, t, v);
            Tensor targets = HostTensors.fromLongs(y, b, t);

            float[] logp;
            try (TokenStats st = FusedKernels.tokenStats(logits, targets, 1.0)) {
                logp = HostTensors.toFloats(st.logProbs());
            }
            float[] ones = new float[b * t];
            java.util.Arrays.fill(ones, 1f);
            float[] c = LossAggregation.TOKEN_MEAN.coefficients(mask, b, t, t);
            PolicyLossInputs in = new PolicyLossInputs(HostTensors.fromFloats(logp, b, t), null,
                    HostTensors.fromFloats(ones, b, t), HostTensors.fromFloats(ones, b, t), HostTensors.fromFloats(c, b, t));
            float[] kernelGrad;
            double ce = 0, n = 0;
            for (int i = 0; i < mask.length; i++) {
                ce -= mask[i] * logp[i];
                n += mask[i];
            }
            ce /= n;
            try (PolicyLossResult r = FusedKernels.policyLoss(logits, targets, in, PolicyLossConfig.DEFAULT)) {
                kernelGrad = HostTensors.toFloats(r.gradLogits());
                assertEquals(-1.0, r.loss(), 1e-5);   // sum_t c_t * (-rho) with rho = 1
            }

            Tensor leaf = logits.clone();
            leaf.set_requires_grad(true);
            Tensor lsm = leaf.log_softmax(2);
            Tensor picked = lsm.gather(2, targets.unsqueeze(2)).squeeze(2);
            Tensor m = HostTensors.fromFloats(mask, b, t);
            Tensor loss = picked.mul(m).sum().div(new Scalar(n)).neg();
            loss.backward();
            assertEquals(loss.item_double(), ce, 1e-5);
            float[] ref = HostTensors.toFloats(leaf.grad());
            for (int i = 0; i < ref.length; i++) assertEquals(ref[i], kernelGrad[i], 1e-6f, "grad " + i);
        }
    }
}
