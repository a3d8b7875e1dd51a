package org.eapo4j.bench;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.kernels.FusedKernels;
import org.eapo4j.kernels.PolicyLossConfig;
import org.eapo4j.kernels.PolicyLossInputs;
import org.eapo4j.kernels.TokenStats;
import org.eapo4j.tensors.HostTensors;

/**
 * The inputs every benchmark side sees, identical for our kernels and for LibTorch: logits ~ Normal(0, 2) of shape
 * [N, V] in the benchmarked dtype (LibTorch's RNG with a fixed seed, so all forks build the same data), uniform
 * targets, and per-token loss inputs whose old log-probs put about half of the tokens outside the clip range (both
 * sides of it), advantages of both signs, and the token-mean coefficient 1/N on every row (no padding, so both sides
 * do the full work). The loss config is the clipped surrogate with the entropy bonus: SPEC.md without KL or dual clip.
 *
 * <p>Owns native memory: close it (the benchmarks do in their trial tear-down).
 */
final class BenchInputs implements AutoCloseable {
    static final long SEED = 20260127L;
    static final double TEMPERATURE = 1.0;
    static final PolicyLossConfig LOSS = PolicyLossConfig.builder().temperature(TEMPERATURE).clipLow(0.2).clipHigh(0.28)
            .entropyCoef(0.01).build();
    static final PolicyLossConfig LOSS_IN_PLACE = LOSS.toBuilder().gradInPlace(true).build();

    final int n, v;
    final ScalarType dtype;
    final Tensor logits, targets;
    /** Old log-probs, advantages, weights, coefficients; null until {@link #withLossInputs()} is called. */
    PolicyLossInputs loss;

    private BenchInputs(int n, int v, ScalarType dtype, Tensor logits, Tensor targets) {
        this.n = n;
        this.v = v;
        this.dtype = dtype;
        this.logits = logits;
        this.targets = targets;
    }

    private static final java.util.Map<String, BenchInputs> SHARED = new java.util.LinkedHashMap<>();

    /**
     * The inputs of one shape and dtype, built once per JVM and shared by the trials that run in it (JMH runs its
     * trials in-process in a worker JVM per shape, see {@link BenchmarkReport}): generating 600M normal samples costs
     * seconds. Holds at most two entries (the two dtypes of a shape); never close a shared instance.
     */
    static synchronized BenchInputs shared(int n, int v, String dtype) {
        String key = n + "x" + v + ":" + dtype;
        BenchInputs in = SHARED.get(key);
        if (in != null) return in;
        // At most two entries (both dtypes of a shape), one when a single [N, V] tensor passes 1 GB.
        int keep = (long) n * v * 4 > 1_000_000_000L ? 1 : 2;
        while (SHARED.size() >= keep) {
            String oldest = SHARED.keySet().iterator().next();
            SHARED.remove(oldest).free();
        }
        in = create(n, v, dtype).withLossInputs();
        SHARED.put(key, in);
        return in;
    }

    /** dtype is a ScalarType name as used in the JMH parameters: "Float" or "BFloat16". */
    static BenchInputs create(int n, int v, String dtype) {
        ScalarType st = ScalarType.valueOf(dtype);
        torch.manual_seed(SEED);
        Tensor logits;
        try (Tensor z = torch.randn(n, v); org.bytedeco.pytorch.Scalar two = new org.bytedeco.pytorch.Scalar(2.0);
             Tensor z2 = z.mul(two)) {
            logits = z2.to(st);  // a new handle (an alias when st is Float): closing z and z2 keeps it alive
        }
        Tensor targets = torch.randint((long) v, new long[] {n});
        return new BenchInputs(n, v, st, logits, targets);
    }

    /** Adds the per-token loss inputs; the old log-probs are derived from the current ones (one token-stats pass). */
    BenchInputs withLossInputs() {
        float[] a = new float[n], w = new float[n], c = new float[n], shift = new float[n];
        java.util.Random rng = new java.util.Random(SEED);
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((i % 3 == 0 ? -1 : 1) * (0.2 + rng.nextDouble()));
            w[i] = a[i] > 0 ? 0.7f : 1.0f;
            c[i] = 1.0f / n;
            shift[i] = switch (i % 4) {
                case 0 -> 0.6f;    // rho ~ 0.55: below 1 - eps_low
                case 1 -> -0.5f;   // rho ~ 1.65: above 1 + eps_high
                case 2 -> 0.05f;   // inside the clip range
                default -> (float) ((rng.nextDouble() - 0.5) * 0.3);
            };
        }
        try (TokenStats st = FusedKernels.tokenStats(logits, targets, TEMPERATURE);
             Tensor s = HostTensors.fromFloats(shift, n)) {
            Tensor old = st.logProbs().add(s);
            loss = new PolicyLossInputs(old, null, HostTensors.fromFloats(a, n), HostTensors.fromFloats(w, n),
                    HostTensors.fromFloats(c, n));
        }
        return this;
    }

    /** Bytes of one [N, V] tensor in the benchmarked dtype. */
    long logitsBytes() {
        return (long) n * v * logits.element_size();
    }

    /** A new, resident (zero-filled) tensor like the logits: the reused gradient buffer or an in-place work copy. */
    Tensor newLogitsLike() {
        Tensor t = HostTensors.emptyLike(new long[] {n, v}, dtype, logits);
        t.zero_();
        return t;
    }

    /** Closes unless shared (shared inputs live as long as the JVM). */
    @Override
    public void close() {
        synchronized (BenchInputs.class) {
            if (SHARED.containsValue(this)) return;
        }
        free();
    }

    private void free() {
        logits.close();
        targets.close();
        if (loss != null) {
            loss.oldLogProbs().close();
            loss.advantages().close();
            loss.weights().close();
            loss.coefficients().close();
        }
    }
}
