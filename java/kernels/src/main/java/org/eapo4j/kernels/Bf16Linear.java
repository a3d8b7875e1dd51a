package org.eapo4j.kernels;

import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.nativelib.EapoNative;

/**
 * {@code y = x W^T + bias} for a few rows of bf16 on the CPU: the decode step of a bf16 model (a handful of rows
 * against every weight matrix). LibTorch's bf16 GEMM re-packs W on every call at small M; this kernel reads W once,
 * with bf16 pair dot products, at memory speed (native/src/linear_bf16_cpu.cpp; float32 sums, one rounding).
 * Inference only: it records nothing for autograd, so {@link #applies} requires grad mode off or no input that
 * requires a gradient. The models use it where {@link #available}.
 */
public final class Bf16Linear {
    /** Rows up to which the kernel beats LibTorch's GEMM (it reads W once per 8 rows). */
    public static final long MAX_ROWS = 16;

    private static final boolean PROPERTY_ON = !"false".equals(System.getProperty("eapo4j.bf16Linear"));
    private static volatile Boolean forced;

    private Bf16Linear() {}

    /** True when the CPU kernels run on their AVX-512 level, the one with bf16 dot products. */
    public static boolean cpuSupported() {
        return FusedKernels.cpuSimdLevel().startsWith("avx512");
    }

    /**
     * Whether the Hugging Face models route their decode-sized linear layers here: where {@link #cpuSupported},
     * unless the system property {@code eapo4j.bf16Linear=false} (or {@link #setEnabled}) turns it off. On by default
     * since attention stopped dominating the decode step: a whole step was 3-24% faster with it in every same-run
     * comparison of 2026-12-07's evening (docs/BENCHMARKS.md, "Decode"); level before that.
     */
    public static boolean available() {
        Boolean f = forced;
        return (f != null ? f : PROPERTY_ON) && cpuSupported();
    }

    /** Forces the path on or off (null: back to {@link #available}'s own choice); for tests and benchmarks. */
    public static void setEnabled(Boolean on) {
        forced = on;
    }

    /** Whether {@link #forward} serves this call: bf16 CPU tensors, at most MAX_ROWS rows, nothing to differentiate. */
    public static boolean applies(Tensor x, Tensor weight, Tensor bias) {
        if (!available() || x.is_cuda() || weight.is_cuda() || weight.dim() != 2 || x.dim() < 1) return false;
        if (x.scalar_type().intern() != ScalarType.BFloat16 || weight.scalar_type().intern() != ScalarType.BFloat16)
            return false;
        if (bias != null && (bias.is_cuda() || bias.scalar_type().intern() != ScalarType.BFloat16)) return false;
        long k = weight.size(1);
        if (k == 0 || x.size(x.dim() - 1) != k || x.numel() / k > MAX_ROWS) return false;
        boolean needsGrad = x.requires_grad() || weight.requires_grad() || (bias != null && bias.requires_grad());
        return !(needsGrad && GradMode.is_enabled());
    }

    /**
     * {@code torch.linear(x, weight, bias)} for bf16 CPU tensors: x [..., K], weight [N, K], bias [N] or null;
     * returns a new bf16 tensor [..., N].
     *
     * @throws IllegalArgumentException naming the argument when the shapes or dtypes do not fit
     */
    public static Tensor forward(Tensor x, Tensor weight, Tensor bias) {
        require("x", x);
        require("weight", weight);
        if (weight.dim() != 2) throw new IllegalArgumentException("weight must be [N, K], got " + weight.dim() + " dims");
        long n = weight.size(0), k = weight.size(1);
        if (x.dim() < 1 || x.size(x.dim() - 1) != k)
            throw new IllegalArgumentException("x must end in K = " + k + " (weight's columns), got "
                    + java.util.Arrays.toString(x.sizes().vec().get()));
        if (bias != null) {
            require("bias", bias);
            if (bias.dim() != 1 || bias.size(0) != n)
                throw new IllegalArgumentException("bias must be [" + n + "], got "
                        + java.util.Arrays.toString(bias.sizes().vec().get()));
        }
        long rows = k == 0 ? 0 : x.numel() / k;
        long[] outShape = x.sizes().vec().get();
        outShape[outShape.length - 1] = n;
        try (TensorOptions o = new TensorOptions(ScalarType.BFloat16)) {
            Tensor y = torch.empty(outShape, o, null);
            if (rows == 0 || n == 0) return y;
            if (k == 0) return bias == null ? y.zero_() : y.copy_(bias.expand_as(y));
            Tensor xc = x.contiguous(), wc = weight.contiguous(), bc = bias == null ? null : bias.contiguous();
            try (EapoNative.LinearArgs args = new EapoNative.LinearArgs()) {
                args.x(FusedKernels.address(xc)).m(rows).k(k).x_row_stride(k).weight(FusedKernels.address(wc)).n(n)
                        .w_row_stride(k).bias(bc == null ? 0 : FusedKernels.address(bc)).y(FusedKernels.address(y))
                        .y_row_stride(n);
                byte[] err = new byte[FusedKernels.ERR_LEN];
                int status = EapoNative.eapo_linear_bf16_cpu(args, err, FusedKernels.ERR_LEN);
                if (status != EapoNative.EAPO_OK) throw FusedKernels.nativeFailure("bf16Linear", status, err);
            } finally {
                xc.close();   // a new handle even when x was contiguous: closing it releases only that reference
                wc.close();
                if (bc != null) bc.close();
            }
            return y;
        }
    }

    private static void require(String name, Tensor t) {
        if (t == null || !t.defined()) throw new IllegalArgumentException(name + " must be a defined tensor");
        if (t.is_cuda()) throw new IllegalArgumentException(name + " must be on the CPU (this kernel is CPU only)");
        if (t.scalar_type().intern() != ScalarType.BFloat16)
            throw new IllegalArgumentException(name + " must be bfloat16, got " + t.scalar_type());
    }
}
