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
import org.eapo4j.kernels.Bf16Linear;

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

    /** How a forward pass treats LoRA adapters: left out, added, or added with dropout on their input. */
    enum AdapterPass {
        /** The base weights alone (no adapters, or the frozen reference of a LoRA model). */
        OFF,
        /** W x + s B A x (evaluation mode). */
        ON,
        /** W x + s B A dropout(x) (training mode). */
        ON_TRAINING
    }

    /** {@code y = x W^T (+ b)}; W is [out, in]. With a LoRA adapter: {@code + scaling * B A x}. */
    static final class Linear extends Module {
        final Tensor weight, bias;
        /** Not a registered submodule: its tensors stay out of the module tree's named_parameters(). */
        LoraAdapter lora;

        Linear(long in, long out, boolean withBias, Placement p) {
            weight = parameter(this, "weight", p, out, in);
            bias = withBias ? parameter(this, "bias", p, out) : null;
        }

        long inFeatures() {
            return weight.size(1);
        }

        long outFeatures() {
            return weight.size(0);
        }

        void release() {
            weight.close();
            if (bias != null) bias.close();
            if (lora != null) lora.close();
            lora = null;
        }

        Tensor forward(Tensor x) {
            return forward(x, AdapterPass.OFF);
        }

        Tensor forward(Tensor x, AdapterPass pass) {
            Tensor y = HfLayers.linear(x, weight, bias);
            return lora == null || pass == AdapterPass.OFF ? y : lora.addTo(y, x, pass == AdapterPass.ON_TRAINING);
        }
    }

    /**
     * {@code torch.linear}, or our bf16 kernel for the few rows of a decode step (it reads W once where LibTorch's GEMM
     * re-packs it; {@link Bf16Linear#applies}).
     */
    static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        if (Bf16Linear.applies(x, weight, bias)) return Bf16Linear.forward(x, weight, bias);
        return bias == null ? torch.linear(x, weight) : torch.linear(x, weight, new TensorOptional(bias));
    }

    /**
     * One LoRA adapter as PEFT's {@code lora.Linear} computes it: {@code y + scaling * B(A(dropout(x)))}, with A
     * [r, in] and B [out, r]. The adapter tensors are float32 when the base is bfloat16/float16 (PEFT's default
     * {@code autocast_adapter_dtype}): the input is cast to their dtype, the sum is formed there and cast back to the
     * base output's dtype. Owned by the {@link Linear} it is attached to (closed with it).
     */
    static final class LoraAdapter implements AutoCloseable {
        final Tensor a, b;
        final double scaling, dropout;

        LoraAdapter(Tensor a, Tensor b, double scaling, double dropout) {
            this.a = a;
            this.b = b;
            this.scaling = scaling;
            this.dropout = dropout;
        }

        Tensor addTo(Tensor y, Tensor x, boolean training) {
            ScalarType out = y.scalar_type().intern(), ad = a.scalar_type().intern();
            Tensor in = out == ad ? x : x.to(ad);
            if (training && dropout > 0) in = torch.dropout(in, dropout, true);
            Tensor delta = torch.linear(torch.linear(in, a), b).mul(new Scalar(scaling));
            return out == ad ? y.add(delta) : y.to(ad).add(delta).to(out);
        }

        @Override
        public void close() {
            a.close();
            b.close();
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
