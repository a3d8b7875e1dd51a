package org.eapo4j.rl;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.eapo4j.model.CausalLM;

/**
 * Puts the host tensors the update builds (token ids, masks, targets, per-token inputs of the kernels) where the
 * model's parameters are, so that one {@code device} setting places the whole update. On the CPU nothing moves.
 */
public final class OnDevice {
    private OnDevice() {}

    /**
     * The device of the model's parameters (of its output layer). The caller closes it. The weight handle is left
     * open: a model may hand out its live parameter, which closing would invalidate.
     */
    public static Device of(CausalLM model) {
        return model.headWeight().device();
    }

    /** {@code host} itself on the CPU, else a copy on {@code device} (the host tensor is then the caller's to drop). */
    public static Tensor put(Tensor host, Device device) {
        return device == null || device.is_cpu() ? host : host.to(device, host.scalar_type());
    }
}
