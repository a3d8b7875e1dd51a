package org.eapo4j.kernels.cuda;

import java.util.ArrayList;
import java.util.List;

/**
 * Byte ranges of raw device buffers, to refuse an output that overlaps an input or another output before a kernel
 * runs: the kernels read their inputs while they write, so an overlap gives wrong values, not an error. Only the
 * in-place gradient (grad == logits with the logits' strides) may write over an input. O(number of buffers^2), no
 * device access.
 */
final class DeviceRanges {
    private record Range(String name, long start, long end) {}

    private final List<Range> inputs = new ArrayList<>();
    private final List<Range> outputs = new ArrayList<>();

    /** A read-only buffer of {@code bytes} at {@code address}; 0 (absent) or empty buffers are skipped. */
    DeviceRanges input(String name, long address, long bytes) {
        if (address != 0 && bytes > 0) inputs.add(range(name, address, bytes));
        return this;
    }

    /** A buffer the kernel writes; 0 (absent) or empty buffers are skipped. */
    DeviceRanges output(String name, long address, long bytes) {
        if (address != 0 && bytes > 0) outputs.add(range(name, address, bytes));
        return this;
    }

    /** Bytes of {@code rows} elements of {@code elementSize}, overflow-checked. */
    static long bytes(String name, long rows, long elementSize) {
        try {
            return Math.multiplyExact(rows, elementSize);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(name + ": " + rows + " elements overflow a 64-bit byte count");
        }
    }

    /** Bytes from the first to just past the last element of the rows of a geometry with the given strides. */
    static long bytes(String name, CudaRawKernels.Geometry g, long strideOuter, long strideInner, int elementSize) {
        if (g.rows() == 0) return 0;
        try {
            long last = Math.addExact(Math.multiplyExact(g.rowsOuter() - 1, strideOuter),
                    Math.multiplyExact(g.rowsInner() - 1, strideInner));
            return Math.multiplyExact(Math.addExact(last, g.vocab()), elementSize);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(name + ": the geometry spans more than 2^63 bytes");
        }
    }

    /** Throws when an output overlaps an input or another output. */
    void requireDisjoint() {
        for (int i = 0; i < outputs.size(); i++) {
            Range o = outputs.get(i);
            for (Range in : inputs) if (overlap(o, in)) throw overlapError(o, "input " + in.name());
            for (int j = i + 1; j < outputs.size(); j++)
                if (overlap(o, outputs.get(j))) throw overlapError(o, "output " + outputs.get(j).name());
        }
    }

    private static boolean overlap(Range a, Range b) {
        return Long.compareUnsigned(a.start(), b.end()) < 0 && Long.compareUnsigned(b.start(), a.end()) < 0;
    }

    private static IllegalArgumentException overlapError(Range o, String other) {
        return new IllegalArgumentException(o.name() + " [0x" + Long.toHexString(o.start()) + ", 0x"
                + Long.toHexString(o.end()) + ") overlaps the " + other + ": outputs must not share memory with inputs "
                + "or with each other (only an in-place gradient, grad == logits with the logits' strides, may)");
    }

    private static Range range(String name, long address, long bytes) {
        long end = address + bytes;
        if (Long.compareUnsigned(end, address) < 0)
            throw new IllegalArgumentException(name + ": address 0x" + Long.toHexString(address) + " + " + bytes
                    + " bytes wraps around the address space");
        return new Range(name, address, end);
    }
}
