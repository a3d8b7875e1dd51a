package org.eapo4j.kernels.cuda;

import java.nio.charset.StandardCharsets;

import org.bytedeco.javacpp.DoublePointer;
import org.eapo4j.kernels.KernelScalars;
import org.eapo4j.nativelib.EapoNative;

/**
 * The CUDA kernels (cuda/token_stats.cu, cuda/policy_loss.cu) over raw device addresses, for JVMs that hold CUDA
 * memory without LibTorch (allocated with {@link CudaMemory}, the JavaCPP CUDA presets, or any other CUDA binding).
 *
 * <p>Every address is a CUDA device address ({@code long}); {@code stream} is a {@code cudaStream_t} address
 * (0 = the legacy default stream). Arguments are validated here, in Java, and a bad one throws
 * {@link IllegalArgumentException} naming it; a native failure (a CUDA error, no device) throws
 * {@link IllegalStateException} with the native message. The math contract is ../shared/SPEC.md; the geometry and
 * the per-argument contracts are those of {@code native/include/eapo4j.h}.
 *
 * <p>Calls are asynchronous on {@code stream}, except that {@link #policyLoss} synchronises the stream when the batch
 * loss is requested ({@code computeLoss = true}).
 */
public final class CudaRawKernels {
    private CudaRawKernels() {}

    /** Logits geometry: rows_outer x rows_inner rows of {@code vocab} contiguous elements; strides in elements. */
    public record Geometry(long rowsOuter, long rowsInner, long strideOuter, long strideInner, long vocab) {
        public Geometry {
            if (rowsOuter < 0) throw new IllegalArgumentException("rowsOuter must be >= 0, got " + rowsOuter);
            if (rowsInner <= 0) throw new IllegalArgumentException("rowsInner must be > 0, got " + rowsInner);
            if (vocab <= 0) throw new IllegalArgumentException("vocab must be > 0, got " + vocab);
            if (strideOuter < 0) throw new IllegalArgumentException("strideOuter must be >= 0, got " + strideOuter);
            if (strideInner < 0) throw new IllegalArgumentException("strideInner must be >= 0, got " + strideInner);
            if (rowsOuter > 0 && rowsInner > Long.MAX_VALUE / rowsOuter)
                throw new IllegalArgumentException("rowsOuter * rowsInner overflows");
            if (rowsInner > 1 && strideInner < vocab)
                throw new IllegalArgumentException("strideInner (" + strideInner + ") < vocab (" + vocab
                        + "): rows would overlap");
            if (rowsOuter > 1 && strideOuter < (rowsInner - 1) * strideInner + vocab)
                throw new IllegalArgumentException("strideOuter (" + strideOuter + ") is too small for rowsInner = "
                        + rowsInner + " rows of stride " + strideInner + ": sequences would overlap");
        }

        /** A contiguous [n, vocab] tensor. */
        public static Geometry contiguous(long n, long vocab) {
            return new Geometry(1, n, n * vocab, vocab, vocab);
        }

        /** Number of rows (tokens). */
        public long rows() {
            return rowsOuter * rowsInner;
        }
    }

    /**
     * Policy-loss hyper-parameters (SPEC.md; dualClip <= 1 disables the dual clip, klBeta = 0 the KL term). Each value
     * must be finite and 0 or a normal float; temperature in [2^-126, 2^126] (see {@link KernelScalars}).
     */
    public record LossConfig(float temperature, float clipLow, float clipHigh, float dualClip, float klBeta,
                             float entropyCoef) {
        public LossConfig {
            // The ranges of SPEC.md on float values: finite, 0 or normal (no denormals), 1 / temperature normal.
            KernelScalars.temperature(temperature);
            KernelScalars.clipLow(clipLow);
            KernelScalars.clipHigh(clipHigh);
            KernelScalars.dualClip(dualClip, true);
            KernelScalars.klBeta(klBeta);
            KernelScalars.entropyCoef(entropyCoef);
        }
    }

    /** True when libeapo4j was built with CUDA and at least one CUDA device is usable. Never throws. */
    public static boolean isAvailable() {
        try {
            return EapoNative.eapo_cuda_compiled() == 1 && EapoNative.eapo_cuda_device_count() > 0;
        } catch (Throwable t) {  // the native library itself failed to load
            return false;
        }
    }

    /**
     * Token statistics: {@code logp[r] = z_y / tau - lse} and {@code entropy[r] = H} for every row.
     *
     * @param logits     device address of the logits (fp32 / bf16 / fp16 as {@code dtype})
     * @param dtype      {@link EapoNative#EAPO_F32}, {@link EapoNative#EAPO_BF16} or {@link EapoNative#EAPO_F16}
     * @param geometry   row geometry of the logits
     * @param targets    device address of [N] int64 targets in [0, vocab) (an out-of-range target gives a NaN row)
     * @param logpOut    device address of [N] fp32
     * @param entropyOut device address of [N] fp32
     * @param stream     cudaStream_t address, 0 for the legacy default stream
     */
    public static void tokenStats(long logits, int dtype, Geometry geometry, long targets, float temperature,
                                  long logpOut, long entropyOut, long stream) {
        requireGeometry(geometry);
        requireAddress("logits", logits, elementSize(dtype));
        requireAddress("targets", targets, 8);
        KernelScalars.temperature(temperature);
        requireAddress("logpOut", logpOut, 4);
        requireAddress("entropyOut", entropyOut, 4);
        long n = geometry.rows();
        new DeviceRanges()
                .input("logits", logits, DeviceRanges.bytes("logits", geometry, geometry.strideOuter(),
                        geometry.strideInner(), elementSize(dtype)))
                .input("targets", targets, DeviceRanges.bytes("targets", n, 8))
                .output("logpOut", logpOut, DeviceRanges.bytes("logpOut", n, 4))
                .output("entropyOut", entropyOut, DeviceRanges.bytes("entropyOut", n, 4))
                .requireDisjoint();
        try (EapoNative.TokenStatsArgs args = new EapoNative.TokenStatsArgs()) {
            args.logits(logits).dtype(dtype).rows_outer(geometry.rowsOuter()).rows_inner(geometry.rowsInner())
                    .stride_outer(geometry.strideOuter()).stride_inner(geometry.strideInner()).vocab(geometry.vocab())
                    .targets(targets).temperature(temperature).logp(logpOut).entropy(entropyOut);
            byte[] err = new byte[512];
            check(EapoNative.eapo_token_stats_cuda(args, stream, err, err.length), "eapo_token_stats_cuda", err);
        }
    }

    /**
     * As {@link #policyLoss(long, int, Geometry, long, long, long, long, long, long, LossConfig, boolean, long, long,
     * long, long, long, long, long, long, long)} without the per-token KL output.
     */
    public static double policyLoss(long logits, int dtype, Geometry geometry, long targets, long oldLogp,
                                    long refLogp, long advantages, long weights, long coefs, LossConfig config,
                                    boolean computeLoss, long tokenLoss, long logpOut, long entropyOut, long flags,
                                    long grad, long gradStrideOuter, long gradStrideInner, long stream) {
        return policyLoss(logits, dtype, geometry, targets, oldLogp, refLogp, advantages, weights, coefs, config,
                computeLoss, tokenLoss, logpOut, entropyOut, 0L, flags, grad, gradStrideOuter, gradStrideInner,
                stream);
    }

    /**
     * Policy loss forward + backward in one launch (SPEC.md "Policy loss").
     *
     * @param refLogp      device address of [N] fp32 reference log-probs, or 0 (no KL term)
     * @param computeLoss  when true, the batch loss sum_t c_t l_t is reduced on the device, the stream is
     *                     synchronised and the loss returned; when false the call stays asynchronous and returns NaN
     * @param tokenLoss    [N] fp32 or 0; likewise {@code logpOut}, {@code entropyOut}; {@code flags} [N] uint8 or 0
     * @param klOut        [N] fp32 or 0: the per-token k3 KL exp(ref - logp) - (ref - logp) - 1, written whenever
     *                     {@code refLogp} is given (also with klBeta = 0, when it is not in the loss); zeros when
     *                     {@code refLogp} is 0, and 0 on rows with coef 0
     * @param grad         device address of dL/dlogits in the logits dtype, or 0 for forward only; may equal
     *                     {@code logits} with the same geometry for an in-place gradient
     * @return the batch loss, or NaN when {@code computeLoss} is false
     */
    public static double policyLoss(long logits, int dtype, Geometry geometry, long targets, long oldLogp,
                                    long refLogp, long advantages, long weights, long coefs, LossConfig config,
                                    boolean computeLoss, long tokenLoss, long logpOut, long entropyOut, long klOut,
                                    long flags, long grad, long gradStrideOuter, long gradStrideInner, long stream) {
        requireGeometry(geometry);
        int esize = elementSize(dtype);
        requireAddress("logits", logits, esize);
        requireAddress("targets", targets, 8);
        requireAddress("oldLogp", oldLogp, 4);
        requireAddress("advantages", advantages, 4);
        requireAddress("weights", weights, 4);
        requireAddress("coefs", coefs, 4);
        if (config == null) throw new IllegalArgumentException("config is null");
        requireOptional("refLogp", refLogp, 4);
        requireOptional("tokenLoss", tokenLoss, 4);
        requireOptional("logpOut", logpOut, 4);
        requireOptional("entropyOut", entropyOut, 4);
        requireOptional("klOut", klOut, 4);
        requireOptional("flags", flags, 1);
        if (grad != 0) {
            requireOptional("grad", grad, esize);
            // Checks that the gradient rows do not overlap (same rule as the logits).
            try {
                new Geometry(geometry.rowsOuter(), geometry.rowsInner(), gradStrideOuter, gradStrideInner,
                        geometry.vocab());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("grad geometry: " + e.getMessage(), e);
            }
            if (grad == logits && (gradStrideOuter != geometry.strideOuter()
                    || gradStrideInner != geometry.strideInner()))
                throw new IllegalArgumentException("an in-place gradient (grad == logits) needs the logits strides");
        }
        requireDisjointBuffers(logits, esize, geometry, targets, oldLogp, refLogp, advantages, weights, coefs, tokenLoss,
                logpOut, entropyOut, klOut, flags, grad, gradStrideOuter, gradStrideInner);
        try (EapoNative.PolicyLossArgs args = new EapoNative.PolicyLossArgs();
             DoublePointer loss = new DoublePointer(1)) {
            args.logits(logits).dtype(dtype).rows_outer(geometry.rowsOuter()).rows_inner(geometry.rowsInner())
                    .stride_outer(geometry.strideOuter()).stride_inner(geometry.strideInner()).vocab(geometry.vocab())
                    .targets(targets).old_logp(oldLogp).ref_logp(refLogp).advantages(advantages).weights(weights)
                    .coefs(coefs);
            args.temperature(config.temperature()).clip_low(config.clipLow()).clip_high(config.clipHigh())
                    .dual_clip(config.dualClip()).kl_beta(config.klBeta()).entropy_coef(config.entropyCoef());
            args.batch_loss(computeLoss ? loss.address() : 0).token_loss(tokenLoss).logp(logpOut)
                    .entropy(entropyOut).kl(klOut).flags(flags).grad(grad).grad_stride_outer(gradStrideOuter)
                    .grad_stride_inner(gradStrideInner);
            loss.put(Double.NaN);
            byte[] err = new byte[512];
            check(EapoNative.eapo_policy_loss_cuda(args, stream, err, err.length), "eapo_policy_loss_cuda", err);
            return computeLoss ? loss.get() : Double.NaN;
        }
    }

    /** Bytes per logits element of {@code dtype}. */
    public static int elementSize(int dtype) {
        switch (dtype) {
            case EapoNative.EAPO_F32: return 4;
            case EapoNative.EAPO_BF16:
            case EapoNative.EAPO_F16: return 2;
            default: throw new IllegalArgumentException("dtype must be EAPO_F32 (0), EAPO_BF16 (1) or EAPO_F16 (2), got "
                    + dtype);
        }
    }

    /** No output overlaps an input or another output; the in-place gradient (grad == logits) is compared with the rest. */
    private static void requireDisjointBuffers(long logits, int esize, Geometry g, long targets, long oldLogp,
                                               long refLogp, long advantages, long weights, long coefs, long tokenLoss,
                                               long logpOut, long entropyOut, long klOut, long flags, long grad,
                                               long gradStrideOuter, long gradStrideInner) {
        long n = g.rows();
        long perToken = DeviceRanges.bytes("per-token buffers", n, 4);
        DeviceRanges r = new DeviceRanges()
                .input("targets", targets, DeviceRanges.bytes("targets", n, 8))
                .input("oldLogp", oldLogp, perToken).input("refLogp", refLogp, perToken)
                .input("advantages", advantages, perToken).input("weights", weights, perToken)
                .input("coefs", coefs, perToken)
                .output("tokenLoss", tokenLoss, perToken).output("logpOut", logpOut, perToken)
                .output("entropyOut", entropyOut, perToken).output("klOut", klOut, perToken)
                .output("flags", flags, n)
                .output("grad", grad, DeviceRanges.bytes("grad", g, gradStrideOuter, gradStrideInner, esize));
        // In place (grad == logits, same strides, checked above) the grad range is the logits range: the one allowed
        // overlap, so the logits are then left out of the inputs; grad is still checked against everything else.
        if (grad != logits)
            r.input("logits", logits, DeviceRanges.bytes("logits", g, g.strideOuter(), g.strideInner(), esize));
        r.requireDisjoint();
    }

    private static void requireGeometry(Geometry g) {
        if (g == null) throw new IllegalArgumentException("geometry is null");
    }

    private static void requireAddress(String name, long address, int alignment) {
        if (address == 0) throw new IllegalArgumentException(name + ": device address is 0");
        requireOptional(name, address, alignment);
    }

    private static void requireOptional(String name, long address, int alignment) {
        if (address != 0 && Long.remainderUnsigned(address, alignment) != 0)
            throw new IllegalArgumentException(name + ": device address 0x" + Long.toHexString(address)
                    + " is not aligned to " + alignment + " bytes");
    }

    private static void check(int status, String function, byte[] err) {
        if (status == EapoNative.EAPO_OK) return;
        int len = 0;
        while (len < err.length && err[len] != 0) len++;
        String msg = new String(err, 0, len, StandardCharsets.UTF_8);
        String code;
        switch (status) {
            case EapoNative.EAPO_EINVAL: code = "EAPO_EINVAL"; break;
            case EapoNative.EAPO_ENODEV: code = "EAPO_ENODEV"; break;
            case EapoNative.EAPO_ECUDA: code = "EAPO_ECUDA"; break;
            default: code = "status " + status;
        }
        throw new IllegalStateException(function + " failed (" + code + "): " + msg);
    }
}
