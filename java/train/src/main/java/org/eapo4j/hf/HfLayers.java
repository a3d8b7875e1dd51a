package org.eapo4j.hf;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The building blocks of the Hugging Face decoders, as LibTorch modules whose parameter names are those of
 * {@code transformers} ("weight", "bias"), so that the module tree's {@code named_parameters()} are the checkpoint's
 * tensor names. Parameters are created uninitialised: the loader fills them from the checkpoint.
 */
final class HfLayers {
    private HfLayers() {}

    /** Where and in which dtype parameters are created. */
    record Placement(ScalarType dtype, String device) {
        Tensor empty(long... shape) {
            try (Device d = new Device(device); DeviceOptional dopt = new DeviceOptional(d);
                 TensorOptions base = new TensorOptions(dtype); TensorOptions o = base.device(dopt)) {
                return torch.empty(shape, o, null);
            }
        }
    }

    /**
     * A parameter registered under {@code name}, returned as this module's own handle onto it. register_parameter
     * returns a reference into the module's parameter list, which moves when the list grows: copy it at once.
     */
    static Tensor parameter(Module m, String name, Placement p, long... shape) {
        try (Tensor t = p.empty(shape)) {
            return new Tensor(m.register_parameter(name, t, true));
        }
    }

    /** {@code y = x W^T (+ b)}; W is [out, in]. */
    static final class Linear extends Module {
        final Tensor weight, bias;

        Linear(long in, long out, boolean withBias, Placement p) {
            weight = parameter(this, "weight", p, out, in);
            bias = withBias ? parameter(this, "bias", p, out) : null;
        }

        void release() {
            weight.close();
            if (bias != null) bias.close();
        }

        Tensor forward(Tensor x) {
            return bias == null ? torch.linear(x, weight) : torch.linear(x, weight, new TensorOptional(bias));
        }
    }

    /**
     * RMSNorm as {@code transformers} computes it: in float32 whatever the input dtype, then cast back and scaled
     * by the weight in the weight's dtype.
     */
    static final class RmsNorm extends Module {
        final Tensor weight;
        private final double eps;

        RmsNorm(long dim, double eps, Placement p) {
            this.eps = eps;
            weight = parameter(this, "weight", p, dim);
        }

        void release() {
            weight.close();
        }

        Tensor forward(Tensor x) {
            ScalarType in = x.scalar_type().intern();   // JavaCPP returns a fresh enum object
            Tensor f = in == ScalarType.Float ? x : x.to(ScalarType.Float);
            Tensor var = f.pow(new Scalar(2.0)).mean(new long[] {-1}, true, null);
            Tensor n = f.mul(var.add(new Scalar(eps)).rsqrt());
            return weight.mul(in == ScalarType.Float ? n : n.to(in));
        }
    }

    /** Token embedding table [V, D]. */
    static final class Embedding extends Module {
        final Tensor weight;

        Embedding(long vocab, long dim, Placement p) {
            weight = parameter(this, "weight", p, vocab, dim);
        }

        void release() {
            weight.close();
        }

        Tensor forward(Tensor ids) {
            return torch.embedding(weight, ids);
        }
    }
}
