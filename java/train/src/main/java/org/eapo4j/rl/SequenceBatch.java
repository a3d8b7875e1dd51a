package org.eapo4j.rl;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.kernels.TokenStats;
import org.eapo4j.model.CausalLM;
import org.eapo4j.model.TransformerLM;
import org.eapo4j.tensors.HostTensors;

/**
 * Prompts and responses laid out for teacher-forced passes: each row is the left-padded prompt (width tp) followed
 * by the response, right-padded to tr. Response token j of row i is predicted by the logits at position tp - 1 + j,
 * so {@link #responseLogits} is the [B, tr, V] slice of the model's output starting there (a strided view; the
 * kernels accept it as is and the gradient flows back through the slice).
 */
public final class SequenceBatch {
    public final int rows, tp, tr;
    final long[][] tokens;
    final boolean[][] real;
    /** Response targets [rows * tr] (padding: 0) and mask [rows * tr] (1 = a response token, end token included). */
    public final long[] targets;
    public final float[] mask;
    /** The rows as given (shared, never changed): {@link #compact} lays a subset out again at its own widths. */
    private final int[][] prompts, responses;
    private final int padId;

    public SequenceBatch(int[][] prompts, int[][] responses, int padId) {
        this.prompts = prompts;
        this.responses = responses;
        this.padId = padId;
        rows = prompts.length;
        int p = 0, r = 1;
        for (int i = 0; i < rows; i++) {
            p = Math.max(p, prompts[i].length);
            r = Math.max(r, responses[i].length);
        }
        tp = p;
        tr = r;
        tokens = new long[rows][tp + tr];
        real = new boolean[rows][tp + tr];
        targets = new long[rows * tr];
        mask = new float[rows * tr];
        for (int i = 0; i < rows; i++) {
            java.util.Arrays.fill(tokens[i], padId);
            int off = tp - prompts[i].length;
            for (int j = 0; j < prompts[i].length; j++) {
                tokens[i][off + j] = prompts[i][j];
                real[i][off + j] = true;
            }
            for (int j = 0; j < responses[i].length; j++) {
                tokens[i][tp + j] = responses[i][j];
                real[i][tp + j] = true;
                targets[i * tr + j] = responses[i][j];
                mask[i * tr + j] = 1f;
            }
        }
    }

    private SequenceBatch(SequenceBatch src, int[] rowIdx) {
        prompts = new int[rowIdx.length][];
        responses = new int[rowIdx.length][];
        for (int i = 0; i < rowIdx.length; i++) {
            prompts[i] = src.prompts[rowIdx[i]];
            responses[i] = src.responses[rowIdx[i]];
        }
        padId = src.padId;
        rows = rowIdx.length;
        tp = src.tp;
        tr = src.tr;
        tokens = new long[rows][];
        real = new boolean[rows][];
        targets = new long[rows * tr];
        mask = new float[rows * tr];
        for (int i = 0; i < rows; i++) {
            int s = rowIdx[i];
            tokens[i] = src.tokens[s];
            real[i] = src.real[s];
            System.arraycopy(src.targets, s * tr, targets, i * tr, tr);
            System.arraycopy(src.mask, s * tr, mask, i * tr, tr);
        }
    }

    private SequenceBatch(SequenceBatch src, float[] mask) {
        prompts = src.prompts;
        responses = src.responses;
        padId = src.padId;
        rows = src.rows;
        tp = src.tp;
        tr = src.tr;
        tokens = src.tokens;
        real = src.real;
        targets = src.targets;
        this.mask = mask;
    }

    /**
     * The same sequences with the response mask of the rows where {@code drop[i]} zeroed: those rows still run
     * through the model but carry no loss and no aggregation weight (TRL's mask_truncated_completions).
     */
    public SequenceBatch withRowsMasked(boolean[] drop) {
        if (drop.length != rows) throw new IllegalArgumentException("drop has " + drop.length + " rows, batch " + rows);
        float[] m = mask.clone();
        for (int i = 0; i < rows; i++) if (drop[i]) java.util.Arrays.fill(m, i * tr, (i + 1) * tr, 0f);
        return new SequenceBatch(this, m);
    }

    /** The rows {@code rowIdx}, same widths. */
    public SequenceBatch subset(int[] rowIdx) {
        return new SequenceBatch(this, rowIdx);
    }

    /** Response tokens of row {@code i} (its own length, whatever the batch's padding). */
    public int responseLength(int i) {
        return responses[i].length;
    }

    /**
     * The rows {@code rowIdx} laid out at their own widths (tp, tr of these rows only), with their mask as in this
     * batch. A row's numbers then do not depend on which other rows share its batch: the update's micro-batches use
     * this so that results are the same for any number of data-parallel processes.
     */
    public SequenceBatch compact(int[] rowIdx) {
        SequenceBatch picked = new SequenceBatch(this, rowIdx);
        SequenceBatch c = new SequenceBatch(picked.prompts, picked.responses, padId);
        float[] m = new float[c.rows * c.tr];
        for (int i = 0; i < c.rows; i++) System.arraycopy(mask, rowIdx[i] * tr, m, i * c.tr, c.tr);
        return new SequenceBatch(c, m);
    }

    /** Per-token values of rows {@code rowIdx} of this batch, re-laid at {@code width} tokens per row. */
    public float[] gatherRows(float[] perToken, int[] rowIdx, int width) {
        float[] out = new float[rowIdx.length * width];
        int w = Math.min(width, tr);
        for (int i = 0; i < rowIdx.length; i++) System.arraycopy(perToken, rowIdx[i] * tr, out, i * width, w);
        return out;
    }

    /** Writes per-token values of a {@link #compact} batch of rows {@code rowIdx} back into this batch's layout. */
    public void scatterRows(float[] from, int fromWidth, int[] rowIdx, float[] into) {
        int w = Math.min(fromWidth, tr);
        for (int i = 0; i < rowIdx.length; i++) System.arraycopy(from, i * fromWidth, into, rowIdx[i] * tr, w);
    }

    /** Logits of the response positions, [rows, tr, V] (a view of the full forward). */
    public Tensor responseLogits(TransformerLM model) {
        int t = tp + tr - 1;   // the last token predicts nothing
        long[][] in = new long[rows][];
        boolean[][] re = new boolean[rows][];
        for (int i = 0; i < rows; i++) {
            in[i] = java.util.Arrays.copyOf(tokens[i], t);
            re[i] = java.util.Arrays.copyOf(real[i], t);
        }
        try (Tensor full = model.forward(in, re)) {
            return full.narrow(1, tp - 1, tr);
        }
    }

    /**
     * The same through the {@link CausalLM} interface: input ids and attention mask [rows, tp + tr - 1] (int64,
     * 1 = real token); returns a new [rows, tr, V] tensor owned by the caller. The output layer runs on the response
     * positions only (the final hidden states, sliced, times the head): no logits of prompt positions are made.
     */
    public Tensor responseLogits(CausalLM model) {
        int t = tp + tr - 1;
        long[] ids = new long[rows * t], am = new long[rows * t];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < t; j++) {
                ids[i * t + j] = tokens[i][j];
                am[i * t + j] = real[i][j] ? 1 : 0;
            }
        try (org.bytedeco.pytorch.Device d = OnDevice.of(model);
             Tensor idT = OnDevice.put(HostTensors.fromLongs(ids, rows, t), d);
             Tensor maskT = OnDevice.put(HostTensors.fromLongs(am, rows, t), d);
             Tensor hidden = model.hiddenStates(idT, maskT);
             Tensor response = hidden.narrow(1, tp - 1, tr)) {
            // the head's handles stay open: a model may hand out its live parameters, which closing would invalidate
            Tensor weight = model.headWeight(), bias = model.headBias();
            return bias == null ? torch.linear(response, weight)
                    : torch.linear(response, weight, new TensorOptional(bias));
        }
    }

    public Tensor targetTensor() {
        return HostTensors.fromLongs(targets, rows, tr);
    }

    public Tensor perToken(float[] values) {
        return HostTensors.fromFloats(values, rows, tr);
    }

    /** Per-row value broadcast to the row's tokens. */
    public float[] broadcast(double[] perRow) {
        float[] out = new float[rows * tr];
        for (int i = 0; i < rows; i++) java.util.Arrays.fill(out, i * tr, (i + 1) * tr, (float) perRow[i]);
        return out;
    }

    public double maskSum() {
        double s = 0;
        for (float m : mask) s += m;
        return s;
    }

    /** Mask-weighted mean of a per-token array. */
    public double maskedMean(float[] perToken) {
        double[] s = maskedSums(perToken);
        return s[1] == 0 ? 0 : s[0] / s[1];
    }

    /**
     * {sum(mask * perToken), sum(mask)}: the parts of {@link #maskedMean} that add up over data-parallel ranks (the
     * global mean is the ratio of the summed parts).
     */
    public double[] maskedSums(float[] perToken) {
        double s = 0, n = 0;
        for (int i = 0; i < mask.length; i++) {
            s += mask[i] * perToken[i];
            n += mask[i];
        }
        return new double[] {s, n};
    }

    /** As {@link #tokenStats(TransformerLM, double)} through the {@link CausalLM} interface. */
    public float[][] tokenStats(CausalLM model, double temperature) {
        try (NoGradGuard g = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            Tensor logits = responseLogits(model);
            Tensor y = OnDevice.put(targetTensor(), logits.device());
            try (TokenStats st = FusedKernels.tokenStats(logits, y, temperature)) {
                return new float[][] {HostTensors.toFloats(st.logProbs()), HostTensors.toFloats(st.entropy())};
            }
        }
    }

    /** Log-probs and entropies of the response tokens under {@code model}, no gradient: [rows * tr] each. */
    public float[][] tokenStats(TransformerLM model, double temperature) {
        try (NoGradGuard g = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            Tensor logits = responseLogits(model);
            Tensor y = targetTensor();
            try (TokenStats st = FusedKernels.tokenStats(logits, y, temperature)) {
                return new float[][] {HostTensors.toFloats(st.logProbs()), HostTensors.toFloats(st.entropy())};
            }
        }
    }
}
