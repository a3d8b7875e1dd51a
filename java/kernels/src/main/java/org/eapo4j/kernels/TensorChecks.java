package org.eapo4j.kernels;

import java.util.Arrays;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Java-side validation of kernel arguments: every check runs before any native call, and each failure is an
 * {@link IllegalArgumentException} naming the argument and what was expected.
 */
final class TensorChecks {
    private TensorChecks() {}

    /** Device key of a tensor: -1 for CPU, the device index for CUDA. Other devices are rejected. */
    static int deviceKey(String name, Tensor t) {
        if (t.is_cpu()) return -1;
        if (t.is_cuda()) {
            try (Device d = t.device()) {
                return d.index();
            }
        }
        throw new IllegalArgumentException(name + " must be on the CPU or a CUDA device");
    }

    static String deviceName(int key) {
        return key < 0 ? "cpu" : "cuda:" + key;
    }

    static void requireDefined(String name, Tensor t) {
        if (t == null || t.isNull() || !t.defined()) throw new IllegalArgumentException(name + " must be a defined tensor");
        if (t.is_sparse() || t.is_sparse_csr()) throw new IllegalArgumentException(name + " must be a dense (strided) tensor");
    }

    /**
     * The tensor's dtype as the canonical enum constant. JavaCPP hands back a fresh enum object from native code,
     * so == and switch need intern().
     */
    static ScalarType dtype(Tensor t) {
        return t.scalar_type().intern();
    }

    static long[] shape(Tensor t) {
        long[] s = new long[(int) t.dim()];
        for (int i = 0; i < s.length; i++) s[i] = t.size(i);
        return s;
    }

    /** A per-token tensor: the given dtype, exactly the leading shape of the logits, on the logits' device. */
    static void requirePerToken(String name, Tensor t, ScalarType dtype, long[] leading, int device) {
        requireDefined(name, t);
        if (dtype(t) != dtype)
            throw new IllegalArgumentException(name + " must have dtype " + dtype + ", got " + dtype(t));
        long[] s = shape(t);
        if (!Arrays.equals(s, leading))
            throw new IllegalArgumentException(name + " must have shape " + Arrays.toString(leading)
                    + " (the leading shape of the logits), got " + Arrays.toString(s));
        int dev = deviceKey(name, t);
        if (dev != device)
            throw new IllegalArgumentException(name + " is on " + deviceName(dev) + " but the logits are on "
                    + deviceName(device) + ": all inputs must share one device");
    }

    /** NaN policy for per-token inputs: they must be finite (a NaN advantage would silently poison the update). */
    static void requireFinite(String name, Tensor t) {
        if (t.numel() == 0) return;
        try (Tensor finite = torch.isfinite(t); Tensor all = finite.all()) {
            if (!all.item_bool())
                throw new IllegalArgumentException(name + " must be finite: it contains NaN or infinity");
        }
    }

    /** Every target id in [0, vocab). */
    static void requireTargetsInRange(Tensor targets, long vocab) {
        if (targets.numel() == 0) return;
        try (T_TensorTensor_T mm = torch.aminmax(targets); Tensor lo = mm.get0(); Tensor hi = mm.get1()) {
            long min = lo.item_long(), max = hi.item_long();
            if (min < 0 || max >= vocab)
                throw new IllegalArgumentException("targets must be in [0, " + vocab + "), got values in ["
                        + min + ", " + max + "]");
        }
    }
}
