package org.eapo4j.model;

import java.util.LinkedHashMap;
import java.util.Map;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.StringVector;
import org.bytedeco.pytorch.Tensor;

/** A LibTorch module's parameters by name, as {@link CausalLM#namedParameters()} returns them. */
public final class ModuleParameters {
    private ModuleParameters() {}

    /** Every parameter of {@code m} (recursively), in registration order: owned handles onto the live tensors. */
    public static Map<String, Tensor> named(Module m) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        StringTensorDict d = m.named_parameters(true);
        StringVector keys = d.keys();
        for (long i = 0; i < keys.size(); i++) {
            String k = keys.get(i).getString();
            out.put(k, new Tensor(d.get(k)));   // an owned handle: get() refers into the dict
        }
        return out;
    }
}
