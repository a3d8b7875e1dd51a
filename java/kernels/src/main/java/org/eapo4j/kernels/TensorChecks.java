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
    /**
     * The targets and per-token inputs of a policy-loss call: int64 targets and fp32 inputs of the leading shape
     * {@code lead} on device {@code dev}; refLogProbs optional, but required when klBeta > 0.
     */
    static void requireLossInputs(Tensor targets, PolicyLossInputs in, PolicyLossConfig cfg, long[] lead, int dev) {
        requirePerToken("targets", targets, ScalarType.Long, lead, dev);
        requirePerToken("oldLogProbs", in.oldLogProbs(), ScalarType.Float, lead, dev);
        requirePerToken("advantages", in.advantages(), ScalarType.Float, lead, dev);
        requirePerToken("weights", in.weights(), ScalarType.Float, lead, dev);
        requirePerToken("coefficients", in.coefficients(), ScalarType.Float, lead, dev);
        if (in.refLogProbs() != null) requirePerToken("refLogProbs", in.refLogProbs(), ScalarType.Float, lead, dev);
        else if (cfg.klBeta() > 0)
            throw new IllegalArgumentException("klBeta > 0 needs refLogProbs (the reference policy's log-probs)");
        boolean seq = cfg.importanceSamplingLevel() == ImportanceSamplingLevel.SEQUENCE;
        if (seq && in.seqLogRatio() == null)
            throw new IllegalArgumentException("seqLogRatio is needed with importanceSamplingLevel SEQUENCE (GSPO)");
        if (!seq && in.seqLogRatio() != null)
            throw new IllegalArgumentException("seqLogRatio is given but importanceSamplingLevel is TOKEN: set it to "
                    + "SEQUENCE or leave seqLogRatio null");
        if (seq) requirePerToken("seqLogRatio", in.seqLogRatio(), ScalarType.Float, lead, dev);
        if (in.pgKeep() != null) requirePerToken("pgKeep", in.pgKeep(), ScalarType.Byte, lead, dev);
        if (in.absKlCoef() != null) requirePerToken("absKlCoef", in.absKlCoef(), ScalarType.Float, lead, dev);
    }

    /**
     * The values of every per-token float input: finite (old, advantages, weights, coefficients, the reference and
     * the loss-variant inputs when given), and absKlCoef &gt;= 0. O(N) reads, before any native call.
     */
    static void requireLossValues(PolicyLossInputs in) {
        requireFinite("oldLogProbs", in.oldLogProbs());
        requireFinite("advantages", in.advantages());
        requireFinite("weights", in.weights());
        requireFinite("coefficients", in.coefficients());
        if (in.refLogProbs() != null) requireFinite("refLogProbs", in.refLogProbs());
        if (in.seqLogRatio() != null) requireFinite("seqLogRatio", in.seqLogRatio());
        if (in.absKlCoef() != null) {
            requireFinite("absKlCoef", in.absKlCoef());
            if (in.absKlCoef().numel() > 0) {
                try (Tensor neg = in.absKlCoef().lt(new org.bytedeco.pytorch.Scalar(0.0)); Tensor any = neg.any()) {
                    if (any.item_bool()) throw new IllegalArgumentException("absKlCoef must be >= 0");
                }
            }
        }
    }

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

    /**
     * The gradient destination (the logits with {@code inPlace}, else {@code gradBuffer} when given) must not share
     * memory with any input it does not replace: a gradient buffer that is exactly the logits view is the in-place
     * mode and allowed; any other overlap (the logits shifted by a row, the targets, a per-token input) is refused.
     * O(dim) per tensor.
     */
    static void requireGradientDisjoint(Tensor logits, Tensor targets, PolicyLossInputs in, boolean inPlace,
                                        Tensor gradBuffer) {
        String name;
        Tensor grad;
        if (inPlace) {
            name = "logits (gradInPlace: the gradient is written over them)";
            grad = logits;
        } else if (gradBuffer != null) {
            name = "gradBuffer";
            grad = gradBuffer;
            if (!MemorySpan.sameView(gradBuffer, logits)) MemorySpan.requireDisjoint(name, grad, "logits", logits);
        } else {
            return;   // a fresh gradient tensor overlaps nothing
        }
        MemorySpan.requireDisjoint(name, grad, "targets", targets);
        MemorySpan.requireDisjoint(name, grad, "oldLogProbs", in.oldLogProbs());
        MemorySpan.requireDisjoint(name, grad, "refLogProbs", in.refLogProbs());
        MemorySpan.requireDisjoint(name, grad, "advantages", in.advantages());
        MemorySpan.requireDisjoint(name, grad, "weights", in.weights());
        MemorySpan.requireDisjoint(name, grad, "coefficients", in.coefficients());
        MemorySpan.requireDisjoint(name, grad, "seqLogRatio", in.seqLogRatio());
        MemorySpan.requireDisjoint(name, grad, "pgKeep", in.pgKeep());
        MemorySpan.requireDisjoint(name, grad, "absKlCoef", in.absKlCoef());
    }

    /**
     * The new outputs of a CPU call ({@code bytesPerRow} per token plus {@code gradElementsPerRow} logits-dtype
     * elements) must fit in the machine's memory. A valid tensor can promise more: an expanded view of one row as
     * [2^40, V] takes no memory, its outputs would take terabytes. (On CUDA the allocator reports it instead.)
     */
    static void requireOutputsFit(LogitsLayout layout, long bytesPerRow, long gradElementsPerRow) {
        long rows = layout.rows();
        long bytes;
        try {
            long esize = layout.dtype() == ScalarType.Float ? 4 : 2;
            long perRow = Math.addExact(bytesPerRow, Math.multiplyExact(gradElementsPerRow, esize));
            bytes = Math.multiplyExact(rows, perRow);
        } catch (ArithmeticException e) {
            bytes = Long.MAX_VALUE;
        }
        long physical = layout.device() < 0 ? org.bytedeco.javacpp.Pointer.totalPhysicalBytes() : 0;
        if (physical > 0 && bytes > physical)
            throw new IllegalArgumentException("logits has " + rows + " rows (shape " + Arrays.toString(layout.leadingShape())
                    + " x " + layout.vocab() + "): the outputs would take " + (bytes == Long.MAX_VALUE ? "more than 2^63"
                    : String.valueOf(bytes)) + " bytes, more than this machine's memory (" + physical + " bytes)");
    }
}
