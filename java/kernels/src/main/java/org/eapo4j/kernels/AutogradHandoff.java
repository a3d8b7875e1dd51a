package org.eapo4j.kernels;

import java.util.ArrayList;
import java.util.List;

import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Hands gradients computed outside autograd back to it, with autograd's accumulation semantics: a leaf gets the
 * gradient added to its {@code grad()} (set when it has none, in place otherwise, as AccumulateGrad does), a
 * non-leaf is back-propagated to the model with one {@code torch::autograd::backward} call over all non-leaf roots,
 * so a parameter reached through several of them (a tied embedding) sums its contributions. Tensors that do not
 * require a gradient are skipped.
 *
 * <p>Leaves are written directly (no engine call) so that a fresh [V, D] weight gradient becomes the parameter's
 * gradient without a copy; hooks registered on such a leaf are therefore not run.
 */
final class AutogradHandoff {
    private final List<Tensor> roots = new ArrayList<>();
    private final List<Tensor> grads = new ArrayList<>();

    /**
     * Queues d(loss)/d(tensor) = {@code grad} (same shape and dtype as {@code tensor}). For a leaf, ownership of
     * {@code grad} may pass to the tensor (it becomes its {@code grad()}): the caller must not write to it afterwards.
     */
    void add(Tensor tensor, Tensor grad) {
        if (tensor == null || !tensor.requires_grad()) return;
        if (tensor.is_leaf()) accumulateLeaf(tensor, grad);
        else {
            roots.add(tensor);
            grads.add(grad);
        }
    }

    /** Back-propagates the queued non-leaf gradients (frees their graph, as {@code loss.backward()} does). */
    void backward() {
        if (roots.isEmpty()) return;
        try (TensorVector r = new TensorVector(roots.toArray(new Tensor[0]));
             TensorVector g = new TensorVector(grads.toArray(new Tensor[0]));
             TensorVector inputs = new TensorVector(); BoolOptional retain = new BoolOptional()) {
            torch.backward(r, g, retain, false, inputs);
        }
        roots.clear();
        grads.clear();
    }

    private static void accumulateLeaf(Tensor leaf, Tensor grad) {
        // grad() and mutable_grad() are references into the leaf (not owned handles): never close them.
        Tensor existing = leaf.grad();
        if (existing.defined()) {
            existing.add_(grad);
        } else if (leaf.is_contiguous() && grad.is_contiguous()) {
            leaf.mutable_grad().put(grad);
        } else {  // strides of the parameter differ: let AccumulateGrad lay the gradient out
            try (TensorVector r = new TensorVector(leaf); TensorVector g = new TensorVector(grad);
                 TensorVector inputs = new TensorVector(); BoolOptional retain = new BoolOptional()) {
                torch.backward(r, g, retain, false, inputs);
            }
        }
    }
}
