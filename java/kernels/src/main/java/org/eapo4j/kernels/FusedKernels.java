package org.eapo4j.kernels;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.nativelib.EapoNative;
import org.eapo4j.tensors.HostTensors;

/**
 * The public entry points of the fused kernels over LibTorch tensors.
 *
 * <ul>
 *   <li>{@link #tokenStats}: per-token log-prob of the target and token entropy, one pass over the logits.</li>
 *   <li>{@link #policyLoss}: the weighted clipped-surrogate loss of SPEC.md and dL/dlogits in the same call, with
 *   the loss variants of docs/LOSS_VARIANTS.md (GSPO, CISPO, top-entropy tokens, Clip-Cov, KL-Cov).</li>
 *   <li>{@link #sample}: one token per row (temperature, top-k, top-p, min-p) with the caller's uniform numbers,
 *   without sorting the vocabulary.</li>
 * </ul>
 * Logits are [N, V] or [B, T, V] (fp32, bf16 or fp16; any row strides, the vocabulary dimension contiguous), targets
 * int64 of the leading shape. Every argument is validated here, before any native call. CPU tensors run the C++
 * kernels; CUDA tensors run the CUDA kernels on LibTorch's current stream.
 *
 * <p>NaN policy: NaN or +inf in a row of logits gives NaN outputs (log-prob, entropy, loss, gradient) for that row and
 * a NaN batch loss, never a crash; -inf entries are masked vocabulary and are exact. Per-token inputs (old log-probs,
 * advantages, weights, coefficients, reference log-probs) must be finite: anything else is an
 * {@link IllegalArgumentException}.
 *
 * <p>Ownership: the arguments stay the caller's and are never closed. Every returned {@link TokenStats} /
 * {@link PolicyLossResult} holds new native tensors; it belongs to the innermost {@link KernelScope} open on the
 * calling thread (freed when the scope closes), or, with none open, to the caller, who closes it. Unclosed results
 * outside any scope are bounded: see {@link KernelScope}. Validation is O(dim) per tensor plus O(N) passes over the
 * per-token inputs (finiteness, target range), never O(N * V).
 */
public final class FusedKernels {
    static final int ERR_LEN = 512;

    private FusedKernels() {}

    /**
     * Token statistics of SPEC.md: log p(y) and entropy H of softmax(logits / temperature), fp32. The two tensors of
     * the result are new; the innermost open {@link KernelScope} of this thread owns them, or the caller when none is
     * open (close the result).
     *
     * @param temperature a normal float in [2^-126, 2^126] (see {@link KernelScalars#temperature})
     */
    public static TokenStats tokenStats(Tensor logits, Tensor targets, double temperature) {
        TokenStats st = computeTokenStats(logits, targets, temperature);
        return KernelScope.adopt(st, st.logProbs(), st.entropy());
    }

    private static TokenStats computeTokenStats(Tensor logits, Tensor targets, double temperature) {
        LogitsLayout layout = LogitsLayout.of("logits", logits);
        TensorChecks.requirePerToken("targets", targets, ScalarType.Long, layout.leadingShape(), layout.device());
        KernelScalars.temperature(temperature);
        TensorChecks.requireOutputsFit(layout, 8, 0);
        TensorChecks.requireTargetsInRange(targets, layout.vocab());

        Tensor logp = emptyFloat(layout.leadingShape(), logits);
        Tensor entropy = emptyFloat(layout.leadingShape(), logits);
        if (layout.rows() == 0) return new TokenStats(logp, entropy);
        try (Tensor y = targets.contiguous(); EapoNative.TokenStatsArgs args = new EapoNative.TokenStatsArgs()) {
            args.logits(address(logits)).dtype(layout.nativeDtype()).rows_outer(layout.rowsOuter())
                    .rows_inner(layout.rowsInner()).stride_outer(layout.strideOuter())
                    .stride_inner(layout.strideInner()).vocab(layout.vocab()).targets(address(y))
                    .temperature((float) temperature).logp(address(logp)).entropy(address(entropy));
            byte[] err = new byte[ERR_LEN];
            int status = layout.device() < 0
                    ? EapoNative.eapo_token_stats_cpu(args, err, ERR_LEN)
                    : EapoNative.eapo_token_stats_cuda(args, TorchCudaStreams.current(layout.device()), err, ERR_LEN);
            if (status != EapoNative.EAPO_OK) {
                logp.close();
                entropy.close();
                throw nativeFailure("tokenStats", status, err);
            }
        }
        return new TokenStats(logp, entropy);
    }

    /**
     * The fused policy loss, forward and backward. dL/dlogits goes to a new tensor, or over the logits when
     * {@link PolicyLossConfig#gradInPlace()} is set. With {@code refLogProbs} given, the per-token k3 KL comes back in
     * {@link PolicyLossResult#klPerToken()} (also when {@code klBeta} is 0; zeros without a reference).
     */
    public static PolicyLossResult policyLoss(Tensor logits, Tensor targets, PolicyLossInputs in, PolicyLossConfig cfg) {
        return policyLoss(logits, targets, in, cfg, null);
    }

    /**
     * As {@link #policyLoss(Tensor, Tensor, PolicyLossInputs, PolicyLossConfig)}, writing dL/dlogits into
     * {@code gradBuffer} (same shape, dtype and device as the logits; reuse it across steps to avoid page-faulting a
     * fresh [N, V] buffer each call). Must be null when {@code cfg.gradInPlace()} is set. It must not share memory
     * with any input (the logits, targets, per-token inputs), except that it may be exactly the logits view (the same
     * as {@code gradInPlace}).
     *
     * <p>Ownership: the per-token tensors of the result, and {@code gradLogits} when it is new, are owned by the
     * innermost open {@link KernelScope} of this thread, or by the caller when none is open (close the result). With
     * a gradient buffer or in place, {@code gradLogits} is a new handle on the caller's storage: closing it frees the
     * handle, never the buffer or the logits.
     */
    public static PolicyLossResult policyLoss(Tensor logits, Tensor targets, PolicyLossInputs in, PolicyLossConfig cfg,
                                              Tensor gradBuffer) {
        PolicyLossResult r = computePolicyLoss(logits, targets, in, cfg, gradBuffer);
        if (gradBuffer == null && !cfg.gradInPlace())
            return KernelScope.adopt(r, r.tokenLoss(), r.logProbs(), r.entropy(), r.klPerToken(), r.clippedFlags(),
                    r.gradLogits());
        return KernelScope.adopt(r, r.tokenLoss(), r.logProbs(), r.entropy(), r.klPerToken(), r.clippedFlags());
    }

    private static PolicyLossResult computePolicyLoss(Tensor logits, Tensor targets, PolicyLossInputs in,
                                                      PolicyLossConfig cfg, Tensor gradBuffer) {
        if (in == null) throw new IllegalArgumentException("inputs must not be null");
        if (cfg == null) throw new IllegalArgumentException("cfg must not be null");
        LogitsLayout layout = LogitsLayout.of("logits", logits);
        long[] lead = layout.leadingShape();
        int dev = layout.device();
        TensorChecks.requireLossInputs(targets, in, cfg, lead, dev);
        boolean useRef = in.refLogProbs() != null;
        LogitsLayout gradLayout = layout;
        if (cfg.gradInPlace()) {
            if (gradBuffer != null) throw new IllegalArgumentException("gradBuffer must be null when gradInPlace is set");
            if (!layout.rowsDisjoint())
                throw new IllegalArgumentException("logits rows overlap in memory (an expanded view?): "
                        + "an in-place gradient needs distinct rows");
        } else if (gradBuffer != null) {
            gradLayout = LogitsLayout.of("gradBuffer", gradBuffer);
            if (!gradLayout.sameShapeAs(layout) || gradLayout.dtype() != layout.dtype() || gradLayout.device() != dev)
                throw new IllegalArgumentException("gradBuffer must match the logits in shape, dtype and device");
            if (!gradLayout.rowsDisjoint())
                throw new IllegalArgumentException("gradBuffer rows overlap in memory: it must have distinct rows");
        }
        TensorChecks.requireGradientDisjoint(logits, targets, in, cfg.gradInPlace(), gradBuffer);
        TensorChecks.requireOutputsFit(layout, 17, cfg.gradInPlace() || gradBuffer != null ? 0 : layout.vocab());
        TensorChecks.requireTargetsInRange(targets, layout.vocab());
        TensorChecks.requireLossValues(in);

        Tensor grad;
        if (cfg.gradInPlace()) grad = logits.alias();
        else if (gradBuffer != null) grad = gradBuffer.alias();
        else {
            grad = HostTensors.emptyLike(TensorChecks.shape(logits), layout.dtype(), logits);
            gradLayout = LogitsLayout.of("grad", grad);
        }
        Tensor tokenLoss = emptyFloat(lead, logits);
        Tensor logp = emptyFloat(lead, logits);
        Tensor entropy = emptyFloat(lead, logits);
        Tensor kl = emptyFloat(lead, logits);  // the kernel writes k3, or zeros without a reference
        Tensor flags = HostTensors.emptyLike(lead, ScalarType.Byte, logits);
        if (layout.rows() == 0) return new PolicyLossResult(0.0, tokenLoss, logp, entropy, kl, grad, flags, 0.0);

        List<Tensor> temps = new ArrayList<>();
        try (EapoNative.PolicyLossArgs args = new EapoNative.PolicyLossArgs();
             DoublePointer loss = new DoublePointer(1)) {
            Tensor y = keep(temps, targets.contiguous());
            Tensor old = keep(temps, in.oldLogProbs().contiguous());
            Tensor adv = keep(temps, in.advantages().contiguous());
            Tensor w = keep(temps, in.weights().contiguous());
            Tensor c = keep(temps, in.coefficients().contiguous());
            long ref = useRef ? address(keep(temps, in.refLogProbs().contiguous())) : 0L;
            long seq = optionalAddress(temps, in.seqLogRatio());
            long pgKeep = optionalAddress(temps, in.pgKeep());
            long absKl = optionalAddress(temps, in.absKlCoef());
            args.logits(address(logits)).dtype(layout.nativeDtype()).rows_outer(layout.rowsOuter())
                    .rows_inner(layout.rowsInner()).stride_outer(layout.strideOuter())
                    .stride_inner(layout.strideInner()).vocab(layout.vocab()).targets(address(y))
                    .old_logp(address(old)).ref_logp(ref).advantages(address(adv)).weights(address(w))
                    .coefs(address(c));
            args.temperature((float) cfg.temperature()).clip_low((float) cfg.clipLow())
                    .clip_high((float) cfg.clipHigh()).dual_clip((float) cfg.dualClip()).kl_beta((float) cfg.klBeta())
                    .entropy_coef((float) cfg.entropyCoef());
            args.loss_type(cfg.surrogate().nativeCode()).seq_log_ratio(seq)
                    .entropy_threshold((float) cfg.entropyThreshold()).pg_keep(pgKeep).abs_kl_coef(absKl);
            args.batch_loss(loss.address()).token_loss(address(tokenLoss)).logp(address(logp))
                    .entropy(address(entropy)).kl(address(kl)).flags(address(flags)).grad(address(grad))
                    .grad_stride_outer(gradLayout.strideOuter()).grad_stride_inner(gradLayout.strideInner());
            byte[] err = new byte[ERR_LEN];
            int status = dev < 0
                    ? EapoNative.eapo_policy_loss_cpu(args, err, ERR_LEN)
                    : EapoNative.eapo_policy_loss_cuda(args, TorchCudaStreams.current(dev), err, ERR_LEN);
            if (status != EapoNative.EAPO_OK) {
                new PolicyLossResult(0, tokenLoss, logp, entropy, kl, grad, flags, 0).close();
                throw nativeFailure("policyLoss", status, err);
            }
            double clipFraction = clipFraction(flags, c);
            return new PolicyLossResult(loss.get(), tokenLoss, logp, entropy, kl, grad, flags, clipFraction);
        } finally {
            for (Tensor t : temps) t.close();
        }
    }

    /**
     * Draws one token per row of {@code logits} ([N, V] or [B, T, V], fp32 / bf16 / fp16, CPU or CUDA) from
     * softmax(logits / temperature) after top-k, top-p and min-p, by inverse CDF in id order with
     * {@code uniforms[r]} (so the caller keeps its seeded random streams). The definition is in
     * native/include/eapo4j.h, "Sampling"; {@link SamplingParams} lists the filters.
     *
     * @param uniforms   one number in [0, 1) per row (row-major over the leading shape); may be null when greedy
     * @param validVocab null, or one count per row in [1, V]: ids >= validVocab[r] are never drawn (the padding rows
     *                   of an output layer larger than the tokenizer)
     * @return the ids and their log-probabilities under the filtered distribution, as Java arrays
     * @throws IllegalArgumentException for a bad argument (named, before any native call), or a row whose valid
     *                                  logits hold NaN or +inf or are all -inf (the message names the row by its
     *                                  row-major index over the leading shape, the index of uniforms)
     */
    public static Samples sample(Tensor logits, SamplingParams params, double[] uniforms, long[] validVocab) {
        LogitsLayout layout = LogitsLayout.of("logits", logits);
        if (params == null) throw new IllegalArgumentException("params must not be null");
        long rowsL = layout.rows();
        if (rowsL > Integer.MAX_VALUE) throw new IllegalArgumentException("logits has too many rows: " + rowsL);
        int rows = (int) rowsL;
        if (uniforms == null && !params.isGreedy())
            throw new IllegalArgumentException("uniforms must not be null (one number in [0, 1) per row)");
        if (uniforms != null) {
            if (uniforms.length != rows)
                throw new IllegalArgumentException("uniforms has " + uniforms.length + " numbers, logits has " + rows
                        + " rows");
            for (int r = 0; r < rows; r++)
                if (!(uniforms[r] >= 0 && uniforms[r] < 1))
                    throw new IllegalArgumentException("uniforms[" + r + "] = " + uniforms[r] + " is outside [0, 1)");
        }
        if (validVocab != null) {
            if (validVocab.length != rows)
                throw new IllegalArgumentException("validVocab has " + validVocab.length + " counts, logits has "
                        + rows + " rows");
            for (int r = 0; r < rows; r++)
                if (validVocab[r] < 1 || validVocab[r] > layout.vocab())
                    throw new IllegalArgumentException("validVocab[" + r + "] = " + validVocab[r]
                            + " is outside [1, " + layout.vocab() + "]");
        }
        long[] ids = new long[rows];
        float[] logp = new float[rows];
        if (rows == 0) return new Samples(ids, logp);
        boolean cuda = layout.device() >= 0;
        List<Pointer> host = new ArrayList<>();
        List<Tensor> dev = new ArrayList<>();
        try (EapoNative.SampleArgs args = new EapoNative.SampleArgs()) {
            DoublePointer u = keepPointer(host, new DoublePointer(uniforms != null ? uniforms : new double[rows]));
            LongPointer valid = validVocab == null ? null : keepPointer(host, new LongPointer(validVocab));
            LongPointer idsOut = keepPointer(host, new LongPointer(rows));
            FloatPointer logpOut = keepPointer(host, new FloatPointer(rows));
            long uAddr = u.address(), validAddr = valid == null ? 0 : valid.address();
            long idsAddr = idsOut.address(), logpAddr = logpOut.address();
            Tensor idsDev = null, logpDev = null;
            if (cuda) {   // the kernel reads and writes device memory: copy the per-row arrays over and back
                uAddr = address(keep(dev, toDevice(u, rows, ScalarType.Double, logits)));
                if (valid != null) validAddr = address(keep(dev, toDevice(valid, rows, ScalarType.Long, logits)));
                idsDev = keep(dev, HostTensors.emptyLike(new long[] {rows}, ScalarType.Long, logits));
                logpDev = keep(dev, HostTensors.emptyLike(new long[] {rows}, ScalarType.Float, logits));
                idsAddr = address(idsDev);
                logpAddr = address(logpDev);
            }
            args.logits(address(logits)).dtype(layout.nativeDtype()).rows_outer(layout.rowsOuter())
                    .rows_inner(layout.rowsInner()).stride_outer(layout.strideOuter())
                    .stride_inner(layout.strideInner()).vocab(layout.vocab()).valid_vocab(validAddr).uniforms(uAddr)
                    .temperature(params.temperature()).top_k(params.topK()).top_p(params.topP())
                    .min_p(params.minP()).ids(idsAddr).logp(logpAddr);
            byte[] err = new byte[ERR_LEN];
            int status = cuda
                    ? EapoNative.eapo_sample_cuda(args, TorchCudaStreams.current(layout.device()), err, ERR_LEN)
                    : EapoNative.eapo_sample_cpu(args, err, ERR_LEN);
            if (status != EapoNative.EAPO_OK) throw nativeFailure("sample", status, err);
            if (cuda) return new Samples(HostTensors.toLongs(idsDev), HostTensors.toFloats(logpDev));
            idsOut.get(ids);
            logpOut.get(logp);
            return new Samples(ids, logp);
        } finally {
            for (Tensor t : dev) t.close();
            for (Pointer p : host) p.close();
        }
    }

    private static <P extends Pointer> P keepPointer(List<Pointer> ptrs, P p) {
        ptrs.add(p);
        return p;
    }

    /** A copy of {@code n} host elements on the device of {@code like}. */
    private static Tensor toDevice(Pointer p, int n, ScalarType dtype, Tensor like) {
        try (TensorOptions o = new TensorOptions(dtype); Tensor view = torch.from_blob(p, new long[] {n}, o);
             Device d = like.device()) {
            return view.to(d, dtype);
        }
    }

    /** Threads used by the CPU kernels; n <= 0 restores the default (all cores). */
    public static void setNumThreads(int n) {
        EapoNative.eapo_cpu_set_num_threads(n);
    }

    public static int numThreads() {
        return EapoNative.eapo_cpu_get_num_threads();
    }

    /**
     * The SIMD variant the CPU kernels run: {@code avx512f+bw+dq+vl+bf16}, {@code avx2+fma+f16c} or {@code generic}, the
     * best this CPU has unless the environment variable {@code EAPO4J_ISA} ({@code avx512 | avx2 | generic}, read once
     * when the native library loads) or {@link #setCpuSimdLevel} chose another.
     */
    public static String cpuSimdLevel() {
        return EapoNative.eapo_cpu_simd_level();
    }

    /**
     * Runs the CPU kernels that follow on the named SIMD variant ({@code avx512}, {@code avx2}, {@code generic}), or
     * back on the load-time choice for null; meant for tests and benchmarks, not to be called while kernels run.
     *
     * @return false when this CPU lacks that variant (the current one is kept)
     * @throws IllegalArgumentException for an unknown name
     */
    public static boolean setCpuSimdLevel(String level) {
        int st = EapoNative.eapo_cpu_set_simd_level(level);
        if (st == EapoNative.EAPO_EINVAL)
            throw new IllegalArgumentException("unknown SIMD level " + level + " (avx512, avx2 or generic)");
        return st == EapoNative.EAPO_OK;
    }

    /** True when the native library has CUDA kernels and a CUDA device is usable; never throws. */
    public static boolean cudaAvailable() {
        return EapoNative.eapo_cuda_compiled() != 0 && EapoNative.eapo_cuda_device_count() > 0;
    }

    // ---- helpers ----

    private static Tensor keep(List<Tensor> temps, Tensor t) {
        temps.add(t);
        return t;
    }

    /** The address of a contiguous copy (kept in temps) of an optional input; 0 (NULL) when it is null. */
    private static long optionalAddress(List<Tensor> temps, Tensor t) {
        return t == null ? 0L : address(keep(temps, t.contiguous()));
    }

    static long address(Tensor t) {
        return t.data_ptr().address();
    }

    private static Tensor emptyFloat(long[] shape, Tensor like) {
        return HostTensors.emptyLike(shape, ScalarType.Float, like);
    }

    /** Share of tokens with c != 0 whose surrogate was clipped. Reads [N] arrays on the host. */
    private static double clipFraction(Tensor flags, Tensor coefs) {
        byte[] fb = HostTensors.toBytes(flags);
        float[] cb = HostTensors.toFloats(coefs);
        long active = 0, clipped = 0;
        for (int i = 0; i < fb.length; i++) {
            if (cb[i] == 0f) continue;
            active++;
            if ((fb[i] & (EapoNative.EAPO_FLAG_CLIPPED | EapoNative.EAPO_FLAG_DUAL_CLIPPED)) != 0) clipped++;
        }
        return active == 0 ? 0.0 : (double) clipped / active;
    }

    static RuntimeException nativeFailure(String op, int status, byte[] err) {
        int len = 0;
        while (len < err.length && err[len] != 0) len++;
        String msg = new String(err, 0, len, StandardCharsets.UTF_8);
        if (status == EapoNative.EAPO_EINVAL) return new IllegalArgumentException(op + ": " + msg);
        return new IllegalStateException(op + " failed (status " + status + "): " + msg);
    }
}
