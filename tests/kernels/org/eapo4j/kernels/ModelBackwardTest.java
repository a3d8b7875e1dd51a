package org.eapo4j.kernels;

import static org.eapo4j.kernels.KernelTestData.assertClose;
import static org.eapo4j.kernels.KernelTestData.maxAbs;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/**
 * The README's usage: the kernel's dL/dlogits feeds LibTorch autograd through {@code logits.backward(grad)}, and the
 * model's parameter gradients equal those of autograd on the composite loss.
 */
class ModelBackwardTest {

    @Test
    void kernelGradientDrivesLinearModelLikeAutograd() {
        try (PointerScope scope = new PointerScope()) {
            int b = 3, t = 5, hidden = 16, vocab = 40;
            LinearImpl head = new LinearImpl(hidden, vocab);
            Random rng = new Random(8);
            Tensor x = KernelTestData.uniform(rng, -1, 1, b, t, hidden);
            Tensor y = KernelTestData.targets(rng, vocab, b, t);
            PolicyLossConfig cfg = FusedKernelsTest.fullConfig();

            Tensor logits = head.forward(x);  // [B, T, V], part of the autograd graph
            PolicyLossInputs in = FusedKernelsTest.inputs(logits.detach(), y, cfg.temperature(), rng);
            PolicyLossResult result = FusedKernels.policyLoss(logits, y, in, cfg);
            logits.backward(result.gradLogits(), new BoolOptional(), false, new TensorArrayRefOptional());
            double[] weightGrad = AutogradReference.doubles(head.weight().grad());
            double[] biasGrad = AutogradReference.doubles(head.bias().grad());

            // Reference: the float64 composite loss through a float64 copy of the same layer.
            LinearImpl ref = new LinearImpl(hidden, vocab);
            ref.to(ScalarType.Double, false);
            ref.weight().detach().copy_(head.weight().detach().to(ScalarType.Double));
            ref.bias().detach().copy_(head.bias().detach().to(ScalarType.Double));
            Tensor refLogits = ref.forward(x.to(ScalarType.Double));
            AutogradReference want = AutogradReference.policyLoss(refLogits, y, in, cfg);
            // Back-propagate the reference dL/dlogits through the float64 layer.
            Tensor refGrad = AutogradReference.floats(toFloats(want.grad), b, t, vocab).to(ScalarType.Double);
            refLogits.backward(refGrad, new BoolOptional(), false, new TensorArrayRefOptional());
            double[] wantW = AutogradReference.doubles(ref.weight().grad());
            double[] wantB = AutogradReference.doubles(ref.bias().grad());

            assertEquals(want.loss, result.loss(), 1e-5 * (1 + Math.abs(want.loss)));
            assertClose("dL/dW", weightGrad, wantW, 1e-5 * maxAbs(wantW) + 1e-9, 1e-4);
            assertClose("dL/db", biasGrad, wantB, 1e-5 * maxAbs(wantB) + 1e-9, 1e-4);
        }
    }

    private static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }
}
