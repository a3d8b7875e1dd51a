package org.eapo4j.kernels;

import java.util.Arrays;

import org.bytedeco.pytorch.Tensor;

/** Shape checks of the [B, T] per-token arrays the loss-variant helpers take; each names the argument. */
final class SequenceRows {
    private SequenceRows() {}

    /** {B, T} of a [B, T] tensor. */
    static int[] shape(String name, Tensor t) {
        TensorChecks.requireDefined(name, t);
        if (t.dim() != 2) throw new IllegalArgumentException(name + " must be a [B, T] tensor, got " + t.dim() + " dims");
        return new int[] {Math.toIntExact(t.size(0)), Math.toIntExact(t.size(1))};
    }

    static void requireSameShape(String name, Tensor t, int[] bt) {
        int[] s = shape(name, t);
        if (!Arrays.equals(s, bt))
            throw new IllegalArgumentException(name + " must have shape " + Arrays.toString(bt) + ", got "
                    + Arrays.toString(s));
    }

    static void requireLength(String name, float[] a, int b, int t) {
        if (a == null) throw new IllegalArgumentException(name + " must not be null");
        if (b < 0 || t < 0 || (long) b * t != a.length)
            throw new IllegalArgumentException(name + " must hold B * T = " + ((long) b * t) + " values, got " + a.length);
    }
}
