package org.eapo4j.kernels;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.tensors.HostTensors;

/**
 * The LM head fused with the policy loss (and with the token statistics): logits = H W^T (+ b) are computed a chunk
 * of rows at a time into one reused [chunk, V] buffer, the fused kernel ({@link FusedKernels}) writes dL/dlogits over
 * that chunk, and dL/dH = G W and dL/dW += G^T H are taken from it before the next chunk overwrites it. The [N, V]
 * logits never exist: the extra memory is one chunk of logits plus the gradients (see {@link Options}).
 *
 * <p>{@link #policyLoss} also runs the backward pass: afterwards dL/dW is in {@code weight.grad()} (added to what is
 * there, as autograd accumulates; a weight that is not a leaf is back-propagated) and dL/dH has gone into
 * {@code hidden}'s graph ({@code hidden.grad()} for a leaf, otherwise {@code backward} through the model, which
 * frees that graph as {@code loss.backward()} would). A weight also used upstream of {@code hidden} (tied
 * embeddings) thus receives both contributions. Tensors that do not require a gradient get none.
 *
 * <p>The chunking is exact: the loss is sum_t c_t l_t over rows and each row needs only its own logits. Temperature
 * is applied by the kernel to the raw logits, as on the full-logits path. Works on the CPU and on CUDA (LibTorch
 * matmuls on the tensors' device, the kernels of that device).
 */
public final class FusedLinearHead {
    /** Default logits budget of one chunk: 256 MiB ([chunk, V] elements of the head's dtype). */
    public static final long DEFAULT_CHUNK_BYTES = 256L << 20;
    /** Rows of W per block when a bf16/fp16 weight gradient is added into its fp32 accumulator (bounds a temporary). */
    private static final long ACCUMULATE_BLOCK_BYTES = 16L << 20;

    private FusedLinearHead() {}

    /**
     * How the head is computed.
     *
     * @param bias            the head bias [V] (logits = H W^T + b; its gradient is delivered like W's), or null
     * @param chunkRows       rows per chunk, >= 1; or 0 to derive it from {@code chunkBytes}
     * @param chunkBytes      logits budget per chunk in bytes, >= 1 (used when chunkRows is 0; at least one row)
     * @param fp32WeightGrad  for bf16/fp16 heads, accumulate dL/dW over the chunks in fp32 and round once at the end
     *                        (extra V * D * 4 bytes while it runs); false accumulates in the weight's dtype (one
     *                        rounding per chunk, no accumulator). No effect for fp32 heads or a single chunk.
     */
    public record Options(Tensor bias, long chunkRows, long chunkBytes, boolean fp32WeightGrad) {
        public static final Options DEFAULT = new Options(null, 0, DEFAULT_CHUNK_BYTES, true);

        public Options {
            if (chunkRows < 0) throw new IllegalArgumentException("chunkRows must be >= 1 (or 0 for the budget), got "
                    + chunkRows);
            if (chunkBytes < 1) throw new IllegalArgumentException("chunkBytes must be >= 1, got " + chunkBytes);
        }

        public Options withBias(Tensor b) {
            return new Options(b, chunkRows, chunkBytes, fp32WeightGrad);
        }

        /** A fixed chunk size (>= 1 rows). */
        public Options withChunkRows(long rows) {
            if (rows < 1) throw new IllegalArgumentException("chunkRows must be >= 1, got " + rows);
            return new Options(bias, rows, chunkBytes, fp32WeightGrad);
        }

        public Options withChunkBytes(long bytes) {
            return new Options(bias, 0, bytes, fp32WeightGrad);
        }

        public Options withFp32WeightGrad(boolean on) {
            return new Options(bias, chunkRows, chunkBytes, on);
        }

        long rowsPerChunk(LinearHeadShape s) {
            long r = chunkRows > 0 ? chunkRows : Math.max(1, chunkBytes / (s.vocab() * s.elementBytes()));
            return Math.max(1, Math.min(r, s.rows()));
        }
    }

    /** {@link #policyLoss(Tensor, Tensor, Tensor, PolicyLossInputs, PolicyLossConfig, Options)} with the defaults. */
    public static PolicyLossResult policyLoss(Tensor hidden, Tensor weight, Tensor targets, PolicyLossInputs in,
                                              PolicyLossConfig cfg) {
        return policyLoss(hidden, weight, targets, in, cfg, Options.DEFAULT);
    }

    /**
     * The policy loss of SPEC.md on logits = hidden W^T (+ bias), forward and backward (see the class comment).
     *
     * @param hidden  [N, D] or [B, T, D] final hidden states, usually in the autograd graph
     * @param weight  [V, D] head weight, same dtype and device as hidden
     * @param targets int64 of hidden's leading shape, in [0, V)
     * @param in      per-token inputs (fp32, hidden's leading shape)
     * @param cfg     loss config; {@code gradInPlace} is ignored (the chunk buffer always takes the gradient)
     * @return loss, per-token outputs and clip fraction as {@link FusedKernels#policyLoss} returns them, with
     *         {@code gradLogits} null (the gradients are already delivered); the caller closes it
     */
    public static PolicyLossResult policyLoss(Tensor hidden, Tensor weight, Tensor targets, PolicyLossInputs in,
                                              PolicyLossConfig cfg, Options opts) {
        if (in == null) throw new IllegalArgumentException("inputs must not be null");
        if (cfg == null) throw new IllegalArgumentException("cfg must not be null");
        if (opts == null) throw new IllegalArgumentException("opts must not be null");
        LinearHeadShape s = LinearHeadShape.of(hidden, weight, opts.bias());
        long[] lead = s.leadingShape();
        int dev = s.device();
        TensorChecks.requireLossInputs(targets, in, cfg, lead, dev);
        boolean useRef = in.refLogProbs() != null;
        // Everything that can fail is checked on the whole batch before the first chunk touches a gradient.
        TensorChecks.requireTargetsInRange(targets, s.vocab());
        TensorChecks.requireLossValues(in);

        Tensor tokenLoss = HostTensors.emptyLike(lead, ScalarType.Float, hidden);
        Tensor logp = HostTensors.emptyLike(lead, ScalarType.Float, hidden);
        Tensor entropy = HostTensors.emptyLike(lead, ScalarType.Float, hidden);
        Tensor kl = HostTensors.emptyLike(lead, ScalarType.Float, hidden);
        Tensor flags = HostTensors.emptyLike(lead, ScalarType.Byte, hidden);
        if (s.rows() == 0) return new PolicyLossResult(0.0, tokenLoss, logp, entropy, kl, null, flags, 0.0);

        Tensor bias = opts.bias();
        boolean needH = hidden.requires_grad(), needW = weight.requires_grad();
        boolean needB = bias != null && bias.requires_grad();
        PolicyLossConfig chunkCfg = cfg.gradInPlace() ? cfg : cfg.toBuilder().gradInPlace(true).build();
        long n = s.rows(), chunk = opts.rowsPerChunk(s);
        long chunks = (n + chunk - 1) / chunk;
        boolean fp32Acc = s.dtype() != ScalarType.Float && chunks > 1 && opts.fp32WeightGrad();
        double loss = 0;
        long active = 0, clipped = 0;
        Tensor dH = null, dW = null, dB = null, gradW;
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Tensor h2 = hidden.detach().reshape(n, s.hiddenDim());
            Tensor w = weight.detach(), wt = w.t();
            Tensor b = bias == null ? null : bias.detach();
            Tensor y = targets.reshape(-1), old = flat(in.oldLogProbs()), ref = useRef ? flat(in.refLogProbs()) : null;
            Tensor adv = flat(in.advantages()), wts = flat(in.weights()), coef = flat(in.coefficients());
            Tensor seq = flatOrNull(in.seqLogRatio()), pgKeep = flatOrNull(in.pgKeep());
            Tensor absKl = flatOrNull(in.absKlCoef());
            Tensor outLoss = tokenLoss.view(-1), outLogp = logp.view(-1), outEnt = entropy.view(-1), outKl = kl.view(-1);
            Tensor outFlags = flags.view(-1);
            float[] c = HostTensors.toFloats(coef);

            Tensor buf = HostTensors.emptyLike(new long[] {chunk, s.vocab()}, s.dtype(), hidden);
            if (needH) dH = keep(HostTensors.emptyLike(new long[] {n, s.hiddenDim()}, s.dtype(), hidden));
            gradW = needW && !fp32Acc ? accumulableGrad(weight, s) : null;
            if (needW && gradW == null)
                dW = keep(fp32Acc ? zeros(new long[] {s.vocab(), s.hiddenDim()}, ScalarType.Float, hidden)
                        : HostTensors.emptyLike(new long[] {s.vocab(), s.hiddenDim()}, s.dtype(), hidden));
            if (needB) dB = keep(zeros(new long[] {s.vocab()}, ScalarType.Float, hidden));
            WeightGradBlocks blocks = fp32Acc ? new WeightGradBlocks(s, hidden) : null;

            for (long r0 = 0, k = 0; r0 < n; r0 += chunk, k++) {
                long rows = Math.min(chunk, n - r0);
                Tensor hc = h2.narrow(0, r0, rows);
                Tensor z = buf.narrow(0, 0, rows);
                logits(z, hc, wt, b);
                PolicyLossInputs ic = new PolicyLossInputs(old.narrow(0, r0, rows),
                        ref == null ? null : ref.narrow(0, r0, rows), adv.narrow(0, r0, rows),
                        wts.narrow(0, r0, rows), coef.narrow(0, r0, rows), rowsOf(seq, r0, rows),
                        rowsOf(pgKeep, r0, rows), rowsOf(absKl, r0, rows));
                try (PolicyLossResult r = FusedKernels.policyLoss(z, y.narrow(0, r0, rows), ic, chunkCfg)) {
                    loss += r.loss();
                    long act = countNonZero(c, r0, rows);
                    active += act;
                    clipped += Math.round(r.clipFraction() * act);
                    outLoss.narrow(0, r0, rows).copy_(r.tokenLoss());
                    outLogp.narrow(0, r0, rows).copy_(r.logProbs());
                    outEnt.narrow(0, r0, rows).copy_(r.entropy());
                    outKl.narrow(0, r0, rows).copy_(r.klPerToken());
                    outFlags.narrow(0, r0, rows).copy_(r.clippedFlags());
                }
                // z now holds G = dL/dlogits of these rows.
                if (dH != null) torch.mm_out(dH.narrow(0, r0, rows), z, w);
                if (gradW != null) gradW.t().addmm_(hc.t(), z);   // weight.grad += G^T H, no [V, D] temporary
                if (dW != null) {
                    if (blocks != null) blocks.accumulate(dW, z, hc);
                    else if (k == 0) torch.mm_out(dW, z.t(), hc);
                    else dW.t().addmm_(hc.t(), z);  // dW^T += H^T G: the faster orientation of the same product
                }
                if (dB != null) dB.add_(z.sum(new long[] {0}, false, new ScalarTypeOptional(ScalarType.Float)));
            }
        } catch (RuntimeException e) {
            for (Tensor t : new Tensor[] {dH, dW, dB, tokenLoss, logp, entropy, kl, flags}) if (t != null) t.close();
            throw e;
        }
        try (PointerScope scope = new PointerScope()) {
            AutogradHandoff handoff = new AutogradHandoff();
            if (dW != null) handoff.add(weight, inDtype(dW, s.dtype()));
            if (dB != null) handoff.add(bias, inDtype(dB, s.dtype()));
            if (dH != null) handoff.add(hidden, dH.view(TensorChecks.shape(hidden)));
            handoff.backward();
        } finally {
            if (dH != null) dH.close();
            if (dW != null) dW.close();
            if (dB != null) dB.close();
        }
        double clipFraction = active == 0 ? 0.0 : (double) clipped / active;
        return new PolicyLossResult(loss, tokenLoss, logp, entropy, kl, null, flags, clipFraction);
    }

    /** {@link #tokenStats(Tensor, Tensor, Tensor, double, Options)} with the defaults. */
    public static TokenStats tokenStats(Tensor hidden, Tensor weight, Tensor targets, double temperature) {
        return tokenStats(hidden, weight, targets, temperature, Options.DEFAULT);
    }

    /**
     * Token statistics of logits = hidden W^T (+ bias), chunk by chunk; forward only (for the old-policy and
     * reference passes), nothing enters the autograd graph. Returns fp32 tensors of hidden's leading shape, owned by
     * the caller.
     */
    public static TokenStats tokenStats(Tensor hidden, Tensor weight, Tensor targets, double temperature,
                                        Options opts) {
        if (opts == null) throw new IllegalArgumentException("opts must not be null");
        LinearHeadShape s = LinearHeadShape.of(hidden, weight, opts.bias());
        TensorChecks.requirePerToken("targets", targets, ScalarType.Long, s.leadingShape(), s.device());
        if (!Double.isFinite(temperature) || temperature <= 0 || (float) temperature <= 0)
            throw new IllegalArgumentException("temperature must be finite and > 0, got " + temperature);
        TensorChecks.requireTargetsInRange(targets, s.vocab());

        Tensor logp = HostTensors.emptyLike(s.leadingShape(), ScalarType.Float, hidden);
        Tensor entropy = HostTensors.emptyLike(s.leadingShape(), ScalarType.Float, hidden);
        if (s.rows() == 0) return new TokenStats(logp, entropy);
        long n = s.rows(), chunk = opts.rowsPerChunk(s);
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Tensor h2 = hidden.detach().reshape(n, s.hiddenDim());
            Tensor wt = weight.detach().t();
            Tensor b = opts.bias() == null ? null : opts.bias().detach();
            Tensor y = targets.reshape(-1), outLogp = logp.view(-1), outEnt = entropy.view(-1);
            Tensor buf = HostTensors.emptyLike(new long[] {chunk, s.vocab()}, s.dtype(), hidden);
            for (long r0 = 0; r0 < n; r0 += chunk) {
                long rows = Math.min(chunk, n - r0);
                Tensor z = buf.narrow(0, 0, rows);
                logits(z, h2.narrow(0, r0, rows), wt, b);
                try (TokenStats st = FusedKernels.tokenStats(z, y.narrow(0, r0, rows), temperature)) {
                    outLogp.narrow(0, r0, rows).copy_(st.logProbs());
                    outEnt.narrow(0, r0, rows).copy_(st.entropy());
                }
            }
        } catch (RuntimeException e) {
            logp.close();
            entropy.close();
            throw e;
        }
        return new TokenStats(logp, entropy);
    }

    // ---- helpers ----

    /** z = hc wt (+ b), written into the chunk buffer. */
    private static void logits(Tensor z, Tensor hc, Tensor wt, Tensor b) {
        if (b == null) torch.mm_out(z, hc, wt);
        else torch.addmm_out(z, b, hc, wt, new Scalar(1.0), new Scalar(1.0));
    }

    private static Tensor flat(Tensor t) {
        return t.reshape(-1);
    }

    private static Tensor flatOrNull(Tensor t) {
        return t == null ? null : t.reshape(-1);
    }

    /** Rows [r0, r0 + rows) of an optional flat per-token input. */
    private static Tensor rowsOf(Tensor flat, long r0, long rows) {
        return flat == null ? null : flat.narrow(0, r0, rows);
    }

    private static long countNonZero(float[] c, long from, long rows) {
        long k = 0;
        for (long i = from; i < from + rows; i++) if (c[(int) i] != 0f) k++;
        return k;
    }

    private static Tensor zeros(long[] shape, ScalarType dtype, Tensor like) {
        Tensor t = HostTensors.emptyLike(shape, dtype, like);
        t.zero_();
        return t;
    }

    /**
     * The weight's own gradient when dL/dW can be added into it chunk by chunk, as AccumulateGrad would add it: a leaf
     * whose gradient exists, in the weight's dtype, dense and laid out like the weight. Otherwise null (a fresh dW is
     * formed and handed to autograd). Adding in place saves a [V, D] allocation per call, and fresh memory costs a
     * page fault per 4 KB (311 MB for Qwen3-0.6B's head); the sum is the same: one rounding of grad + G^T H per chunk.
     */
    private static Tensor accumulableGrad(Tensor weight, LinearHeadShape s) {
        if (!weight.is_leaf()) return null;
        Tensor g = weight.grad();   // a reference into the leaf: never closed here
        if (!g.defined() || TensorChecks.dtype(g) != s.dtype() || !g.is_contiguous() || !weight.is_contiguous()
                || g.dim() != 2 || g.size(0) != s.vocab() || g.size(1) != s.hiddenDim())
            return null;
        return g;
    }

    /** A handle that outlives the enclosing PointerScope (closed by the caller). */
    private static Tensor keep(Tensor t) {
        t.retainReference();
        return t;
    }

    /** The gradient in the parameter's dtype: the accumulator itself when it already is, else a rounded copy. */
    private static Tensor inDtype(Tensor g, ScalarType dtype) {
        return TensorChecks.dtype(g) == dtype ? g : g.to(dtype);
    }

    /**
     * dW32 += G^T H for a bf16/fp16 head, one block of W's rows at a time: the product of a block is formed in the
     * head's dtype (the matmul accumulates in fp32 inside) in a small reused buffer and added to the fp32
     * accumulator, so no [V, D] temporary of the head's dtype is needed.
     */
    private static final class WeightGradBlocks {
        private final Tensor tmp;
        private final long block, vocab;

        WeightGradBlocks(LinearHeadShape s, Tensor like) {
            vocab = s.vocab();
            block = Math.max(1, Math.min(vocab, ACCUMULATE_BLOCK_BYTES / (s.hiddenDim() * s.elementBytes())));
            tmp = HostTensors.emptyLike(new long[] {block, s.hiddenDim()}, s.dtype(), like);
        }

        void accumulate(Tensor dW32, Tensor g, Tensor hc) {
            for (long v0 = 0; v0 < vocab; v0 += block) {
                long len = Math.min(block, vocab - v0);
                Tensor t = tmp.narrow(0, 0, len);
                torch.mm_out(t, g.narrow(1, v0, len).t(), hc);
                dW32.narrow(0, v0, len).add_(t);
            }
        }
    }
}
