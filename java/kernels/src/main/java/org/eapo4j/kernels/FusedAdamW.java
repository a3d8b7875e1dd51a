package org.eapo4j.kernels;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.nativelib.EapoNative;

/**
 * One AdamW step (torch.optim.AdamW: decoupled weight decay, bias-corrected moments) as one fused pass over a
 * parameter, its gradient and its two moments, updating the parameter and the moments in place. The math, the
 * float32 arithmetic and the rounding are defined in native/include/eapo4j.h ({@code eapo_adamw_args}); the result
 * is the same on every SIMD level and thread count, and the CUDA kernel runs the same float32 operations (checked
 * against the CPU bit for bit by cuda/dev/adamw_gpu_test.cu).
 *
 * <p>Tensors: all four contiguous, with the same number of elements (any shapes), on one device (CPU or CUDA), not
 * sharing memory. The parameter is float32, bfloat16 or float16; the gradient has the parameter's dtype or float32;
 * the two moments have one dtype, the parameter's or float32. CPU tensors run the C++ kernel, CUDA tensors the CUDA
 * kernel on LibTorch's current stream. Every argument is checked here, before any native call
 * ({@link IllegalArgumentException} naming it). Nothing is allocated and nothing is returned: the caller owns the
 * tensors. The writes bypass autograd, version counter included (call it under a {@code NoGradGuard} once the
 * backward passes that saved these tensors are done, as an optimizer does).
 */
public final class FusedAdamW {
    private FusedAdamW() {}

    public static void step(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, AdamWStep hyper) {
        if (hyper == null) throw new IllegalArgumentException("hyper must not be null");
        Tensor[] ts = {param, grad, expAvg, expAvgSq};
        String[] names = {"param", "grad", "expAvg", "expAvgSq"};
        for (int i = 0; i < 4; i++) TensorChecks.requireDefined(names[i], ts[i]);
        int pd = nativeDtype("param", param);
        ScalarType pt = TensorChecks.dtype(param);
        ScalarType gt = TensorChecks.dtype(grad), st = TensorChecks.dtype(expAvg);
        if (gt != pt && gt != ScalarType.Float)
            throw new IllegalArgumentException("grad must have the param's dtype (" + pt + ") or Float, got " + gt);
        if (st != pt && st != ScalarType.Float)
            throw new IllegalArgumentException("expAvg must have the param's dtype (" + pt + ") or Float, got " + st);
        if (TensorChecks.dtype(expAvgSq) != st)
            throw new IllegalArgumentException("expAvgSq must have expAvg's dtype (" + st + "), got "
                    + TensorChecks.dtype(expAvgSq));
        long n = param.numel();
        int dev = TensorChecks.deviceKey("param", param);
        for (int i = 0; i < 4; i++) {
            if (ts[i].numel() != n)
                throw new IllegalArgumentException(names[i] + " has " + ts[i].numel() + " elements, param has " + n);
            if (!ts[i].is_contiguous())
                throw new IllegalArgumentException(names[i] + " must be contiguous (call contiguous() and keep that "
                        + "tensor: the step writes in place)");
            if (ts[i].is_conj() || ts[i].is_neg())
                throw new IllegalArgumentException(names[i] + " must not be a lazy conj/neg view");
            int d = TensorChecks.deviceKey(names[i], ts[i]);
            if (d != dev)
                throw new IllegalArgumentException(names[i] + " is on " + TensorChecks.deviceName(d) + " but param is on "
                        + TensorChecks.deviceName(dev) + ": all four must share one device");
        }
        if (n == 0) return;
        MemorySpan[] spans = new MemorySpan[4];
        for (int i = 0; i < 4; i++) spans[i] = MemorySpan.of(names[i], ts[i]);
        for (int i = 0; i < 4; i++)
            for (int j = i + 1; j < 4; j++)
                if (spans[i].intersects(spans[j]))
                    throw new IllegalArgumentException(names[i] + " overlaps the memory of " + names[j]
                            + ": the four tensors must not share memory");

        try (EapoNative.AdamwArgs args = new EapoNative.AdamwArgs()) {
            args.n(n).param(address(param)).param_dtype(pd).grad(address(grad)).grad_dtype(nativeDtype("grad", grad))
                    .exp_avg(address(expAvg)).exp_avg_sq(address(expAvgSq)).state_dtype(nativeDtype("expAvg", expAvg))
                    .lr(hyper.lr()).beta1(hyper.beta1()).beta2(hyper.beta2()).eps(hyper.eps())
                    .weight_decay(hyper.weightDecay()).step(hyper.step()).grad_scale(hyper.gradScale());
            byte[] err = new byte[FusedKernels.ERR_LEN];
            int status = dev < 0
                    ? EapoNative.eapo_adamw_cpu(args, err, FusedKernels.ERR_LEN)
                    : EapoNative.eapo_adamw_cuda(args, TorchCudaStreams.current(dev), err, FusedKernels.ERR_LEN);
            if (status != EapoNative.EAPO_OK) throw FusedKernels.nativeFailure("adamw", status, err);
        }
    }

    private static int nativeDtype(String name, Tensor t) {
        ScalarType st = TensorChecks.dtype(t);
        return switch (st) {
            case Float -> EapoNative.EAPO_F32;
            case BFloat16 -> EapoNative.EAPO_BF16;
            case Half -> EapoNative.EAPO_F16;
            default -> throw new IllegalArgumentException(name + " must be float32, bfloat16 or float16, got " + st);
        };
    }

    private static long address(Tensor t) {
        try (Pointer p = t.data_ptr()) {
            return p.address();
        }
    }
}
