package org.eapo4j.kernels;

import java.util.Arrays;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Tensor;

/**
 * The byte range [start, end) that a strided tensor's elements occupy: from its lowest to just past its highest
 * addressed element. Two tensors whose ranges do not intersect share no memory; intersecting ranges may still be
 * disjoint element-wise (two interleaved views), which the kernels refuse anyway: proving interleaved views disjoint
 * is not worth an O(1) check's simplicity. O(dim) to compute, no data read.
 */
record MemorySpan(long start, long end) {

    /** The span of a defined, dense CPU or CUDA tensor; null when it has no elements. */
    static MemorySpan of(String name, Tensor t) {
        if (t.numel() == 0) return null;
        long lo = 0, hi = 0;
        try {
            for (int d = 0; d < t.dim(); d++) {
                long reach = Math.multiplyExact(t.size(d) - 1, t.stride(d));
                if (reach < 0) lo = Math.addExact(lo, reach);
                else hi = Math.addExact(hi, reach);
            }
            long esize = t.element_size();
            Pointer p = t.data_ptr();
            long base = p.address();
            p.close();
            return new MemorySpan(Math.addExact(base, Math.multiplyExact(lo, esize)),
                    Math.addExact(base, Math.multiplyExact(Math.addExact(hi, 1), esize)));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(name + " spans more bytes than a 64-bit address range (sizes "
                    + Arrays.toString(TensorChecks.shape(t)) + ")");
        }
    }

    boolean intersects(MemorySpan o) {
        return o != null && start < o.end && o.start < end;
    }

    /** True when {@code a} and {@code b} are the same view: same first element, sizes, strides and dtype. */
    static boolean sameView(Tensor a, Tensor b) {
        if (a.dim() != b.dim() || a.numel() != b.numel() || TensorChecks.dtype(a) != TensorChecks.dtype(b)) return false;
        for (int d = 0; d < a.dim(); d++)
            if (a.size(d) != b.size(d) || (a.size(d) > 1 && a.stride(d) != b.stride(d))) return false;
        if (a.numel() == 0) return true;
        try (Pointer pa = a.data_ptr(); Pointer pb = b.data_ptr()) {
            return pa.address() == pb.address();
        }
    }

    /**
     * Refuses an output that shares memory with an input: the kernels read each input while they write their
     * outputs, so an overlap gives a wrong result, not an error (a gradient buffer that is the logits shifted by one
     * row used to return a wrong loss silently).
     */
    static void requireDisjoint(String outName, Tensor out, String inName, Tensor in) {
        if (in == null) return;
        MemorySpan o = of(outName, out);
        if (o != null && o.intersects(of(inName, in)))
            throw new IllegalArgumentException(outName + " overlaps the memory of " + inName + ": an output must not "
                    + "share memory with any input (only gradInPlace, or a gradBuffer that is exactly the logits "
                    + "view, writes over an input)");
    }
}
