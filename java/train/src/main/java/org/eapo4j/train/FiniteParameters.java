package org.eapo4j.train;

import java.util.Map;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.eapo4j.model.CausalLM;

/**
 * A policy whose weights hold NaN or infinity samples garbage text that a reward scores as a poor answer: nothing
 * would say why. Evaluation and training check first and name the first bad tensor.
 */
final class FiniteParameters {
    private FiniteParameters() {}

    /** @throws TrainingDivergedException naming {@code what} and the first parameter that is not all finite */
    static void require(CausalLM model, String what) {
        try (NoGradGuard g = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
                if (!torch.isfinite(e.getValue()).all().item_bool())
                    throw new TrainingDivergedException(what + ": parameter '" + e.getKey() + "' holds NaN or "
                            + "infinite values (a diverged or corrupt model); nothing to evaluate");
            }
        }
    }
}
