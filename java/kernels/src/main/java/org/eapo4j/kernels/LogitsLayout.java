package org.eapo4j.kernels;

import java.util.Arrays;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.nativelib.EapoNative;

/**
 * Validated geometry of a logits tensor as the C API wants it (see native/include/eapo4j.h):
 * N = rowsOuter * rowsInner rows of {@code vocab} contiguous elements, row r at
 * (r / rowsInner) * strideOuter + (r % rowsInner) * strideInner. A [B, T, V] view with any row strides needs no copy.
 */
record LogitsLayout(long[] leadingShape, long rowsOuter, long rowsInner, long strideOuter, long strideInner,
                    long vocab, int nativeDtype, ScalarType dtype, int device) {

    /** Number of token rows N (0 for an empty batch, which never reaches native code). */
    long rows() {
        long r = 1;
        for (long d : leadingShape) r *= d;
        return r;
    }

    static LogitsLayout of(String name, Tensor logits) {
        TensorChecks.requireDefined(name, logits);
        int dim = (int) logits.dim();
        if (dim != 2 && dim != 3)
            throw new IllegalArgumentException(name + " must be [N, V] or [B, T, V], got " + dim + " dimensions");
        ScalarType st = TensorChecks.dtype(logits);
        int nativeDtype = switch (st) {
            case Float -> EapoNative.EAPO_F32;
            case BFloat16 -> EapoNative.EAPO_BF16;
            case Half -> EapoNative.EAPO_F16;
            default -> throw new IllegalArgumentException(name + " must be float32, bfloat16 or float16, got " + st);
        };
        if (logits.is_conj() || logits.is_neg())
            throw new IllegalArgumentException(name + " must not be a lazy conj/neg view; call resolve_neg() first");
        long vocab = logits.size(dim - 1);
        if (vocab < 1) throw new IllegalArgumentException(name + " must have a vocabulary dimension >= 1, got " + vocab);
        if (vocab > Integer.MAX_VALUE) throw new IllegalArgumentException(name + " vocabulary is too large: " + vocab);
        if (logits.stride(dim - 1) != 1 && vocab > 1)
            throw new IllegalArgumentException(name + " must be contiguous in its last (vocabulary) dimension, got stride "
                    + logits.stride(dim - 1) + "; call contiguous() first");
        int device = TensorChecks.deviceKey(name, logits);
        long[] leading = Arrays.copyOf(TensorChecks.shape(logits), dim - 1);
        if (dim == 2) {
            long n = leading[0];
            long s0 = logits.stride(0);
            return new LogitsLayout(leading, 1, Math.max(n, 1), Math.max(n, 1) * s0, s0, vocab, nativeDtype, st, device);
        }
        long b = leading[0], t = leading[1];
        return new LogitsLayout(leading, b, Math.max(t, 1), logits.stride(0), logits.stride(1), vocab, nativeDtype, st,
                device);
    }

    /** True when no two rows share memory, so the rows may be written (in-place gradient). */
    boolean rowsDisjoint() {
        boolean innerOk = rowsInner <= 1 || strideInner >= vocab;
        boolean outerOk = rowsOuter <= 1 || strideOuter >= (rowsInner - 1) * strideInner + vocab;
        return innerOk && outerOk;
    }

    boolean sameShapeAs(LogitsLayout other) {
        return Arrays.equals(leadingShape, other.leadingShape) && vocab == other.vocab;
    }
}
