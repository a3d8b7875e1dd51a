package org.eapo4j.kernels;

import java.util.Arrays;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Validated geometry of a linear LM head: hidden states [N, D] or [B, T, D], weight [V, D], optional bias [V], all in
 * one floating dtype (fp32, bf16 or fp16) on one device. Built before any computation, so a bad argument is an
 * {@link IllegalArgumentException} naming it.
 */
record LinearHeadShape(long[] leadingShape, long rows, long hiddenDim, long vocab, ScalarType dtype, int device) {

    static LinearHeadShape of(Tensor hidden, Tensor weight, Tensor bias) {
        TensorChecks.requireDefined("hidden", hidden);
        TensorChecks.requireDefined("weight", weight);
        int dim = (int) hidden.dim();
        if (dim != 2 && dim != 3)
            throw new IllegalArgumentException("hidden must be [N, D] or [B, T, D], got " + dim + " dimensions");
        if (weight.dim() != 2)
            throw new IllegalArgumentException("weight must be [V, D], got " + weight.dim() + " dimensions");
        ScalarType dt = TensorChecks.dtype(hidden);
        if (dt != ScalarType.Float && dt != ScalarType.BFloat16 && dt != ScalarType.Half)
            throw new IllegalArgumentException("hidden must be float32, bfloat16 or float16, got " + dt);
        if (TensorChecks.dtype(weight) != dt)
            throw new IllegalArgumentException("weight must have the dtype of hidden (" + dt + "), got "
                    + TensorChecks.dtype(weight));
        long d = hidden.size(dim - 1), v = weight.size(0);
        if (weight.size(1) != d)
            throw new IllegalArgumentException("weight must be [V, D] with D = " + d + " (hidden's last dimension), got "
                    + Arrays.toString(TensorChecks.shape(weight)));
        if (v < 1 || v > Integer.MAX_VALUE)
            throw new IllegalArgumentException("weight must have 1 to 2^31-1 rows (the vocabulary), got " + v);
        if (d < 1) throw new IllegalArgumentException("hidden must have a last dimension D >= 1, got " + d);
        int dev = TensorChecks.deviceKey("hidden", hidden);
        int wdev = TensorChecks.deviceKey("weight", weight);
        if (wdev != dev)
            throw new IllegalArgumentException("weight is on " + TensorChecks.deviceName(wdev) + " but hidden is on "
                    + TensorChecks.deviceName(dev) + ": all inputs must share one device");
        if (bias != null) {
            TensorChecks.requireDefined("bias", bias);
            if (bias.dim() != 1 || bias.size(0) != v)
                throw new IllegalArgumentException("bias must be [V] with V = " + v + ", got "
                        + Arrays.toString(TensorChecks.shape(bias)));
            if (TensorChecks.dtype(bias) != dt)
                throw new IllegalArgumentException("bias must have the dtype of hidden (" + dt + "), got "
                        + TensorChecks.dtype(bias));
            int bdev = TensorChecks.deviceKey("bias", bias);
            if (bdev != dev)
                throw new IllegalArgumentException("bias is on " + TensorChecks.deviceName(bdev) + " but hidden is on "
                        + TensorChecks.deviceName(dev) + ": all inputs must share one device");
        }
        long[] lead = Arrays.copyOf(TensorChecks.shape(hidden), dim - 1);
        long n = 1;
        for (long s : lead) n *= s;
        return new LinearHeadShape(lead, n, d, v, dt, dev);
    }

    /** Bytes of one element of the head's dtype. */
    long elementBytes() {
        return dtype == ScalarType.Float ? 4 : 2;
    }
}
