package org.eapo4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link FusedKernels#sample} on the CPU against {@link SamplingReference} (float64, exhaustive sort): with fixed
 * uniforms the id must be the reference's inverse-CDF pick, exactly, except where the reference says the uniform or
 * a filter cut lies within 1e-5 of a boundary (then a neighbour is allowed; at most a few such rows are expected).
 * Ties: the top-k keeps every id tied with the k-th value, top-p orders equal probabilities by id ascending, greedy
 * takes the first id of the largest logit.
 */
@ParameterizedClass(name = "simd {0}")
@ValueSource(strings = {SimdPaths.AVX512, SimdPaths.AVX2})
class SamplingTest extends OnEachSimdPath {
    private PointerScope scope;

    @BeforeEach
    void setUp() {
        scope = new PointerScope();
    }

    @AfterEach
    void tearDown() {
        scope.close();
    }

    private static final SamplingParams[] CONFIGS = {
        new SamplingParams(1.0, 0, 1.0, 0), new SamplingParams(0.7, 50, 0.95, 0), new SamplingParams(1.0, 50, 1.0, 0),
        new SamplingParams(1.0, 0, 0.95, 0), new SamplingParams(1.3, 0, 0.5, 0), new SamplingParams(1.0, 0, 1.0, 0.05),
        new SamplingParams(0.8, 20, 0.9, 0.1), new SamplingParams(1.0, 0, 1e-9, 0), new SamplingParams(1.0, 1, 1.0, 0),
        new SamplingParams(0, 0, 1.0, 0), new SamplingParams(0.05, 5, 0.9, 0), new SamplingParams(1.0, 0, 0.8, 0.2)};

    /** Compares every row; returns the number of ambiguous rows that differed. */
    private static int check(Tensor logits, SamplingParams sp, double[] u, long[] valid, String what) {
        Samples got = FusedKernels.sample(logits, sp, u, valid);
        long vocab = logits.size(logits.dim() - 1);
        float[] x;
        try (Tensor f = logits.to(ScalarType.Float)) {
            x = HostTensors.toFloats(f);
        }
        int rows = u.length, tolerated = 0;
        for (int r = 0; r < rows; r++) {
            int validR = valid == null ? (int) vocab : (int) valid[r];
            SamplingReference.Pick want = SamplingReference.pick(x, (int) (r * vocab), (int) vocab, validR, sp, u[r]);
            String at = what + " " + sp + " row " + r + " u=" + u[r];
            assertTrue(got.ids()[r] >= 0 && got.ids()[r] < validR, at + ": id " + got.ids()[r] + " outside [0, " + validR + ")");
            if (got.ids()[r] != want.id()) {
                assertTrue(want.ambiguous(), at + ": kernel drew " + got.ids()[r] + ", reference " + want.id());
                tolerated++;
                continue;
            }
            assertEquals(want.logProb(), got.logProbs()[r], 1e-4 + 1e-4 * Math.abs(want.logProb()), at + ": log-prob");
        }
        return tolerated;
    }

    private static double[] uniforms(Random rng, int n) {
        double[] u = new double[n];
        for (int i = 0; i < n; i++) u[i] = rng.nextDouble();
        return u;
    }

    @Test
    void matchesTheReferenceAcrossDtypesAndVocabularies() {
        Random rng = new Random(7);
        int tolerated = 0, compared = 0;
        for (ScalarType dt : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16, ScalarType.Half}) {
            for (int vocab : new int[] {1, 9, 1000, 151936}) {
                int rows = vocab > 10000 ? 3 : 24;
                for (double scale : new double[] {1.0, 4.0}) {
                    Tensor logits = KernelTestData.logits(rng, dt, scale, rows, vocab);
                    for (SamplingParams sp : CONFIGS) {
                        tolerated += check(logits, sp, uniforms(rng, rows), null, dt + " V=" + vocab);
                        compared += rows;
                    }
                }
            }
        }
        assertTrue(tolerated <= compared / 1000 + 2, tolerated + " of " + compared + " rows needed the tolerance");
    }

    @Test
    void edgeCases() {
        Random rng = new Random(11);
        int vocab = 1000, rows = 6;
        float[] z = new float[rows * vocab];
        for (int i = 0; i < z.length; i++) z[i] = (float) rng.nextGaussian();
        for (int v = 0; v < vocab; v++) {
            if (v != 417) z[v] = Float.NEGATIVE_INFINITY;                 // row 0: all but one masked
            if (v % 3 == 0) z[vocab + v] = Float.NEGATIVE_INFINITY;       // row 1: masked runs
            z[2 * vocab + v] = v % 5;                                     // row 2: many ties
            z[3 * vocab + v] = 1f;                                        // row 3: all equal
        }
        z[4 * vocab + 999] = 50f;   // row 4: the largest logit sits past validVocab
        long[] valid = {1000, 1000, 1000, 1000, 998, 1};
        for (ScalarType dt : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16, ScalarType.Half}) {
            Tensor logits;
            try (Tensor f = HostTensors.fromFloats(z, rows, vocab)) {
                logits = f.to(dt);
            }
            for (int k : new int[] {0, 1, 2, 50, 999, 1000, 5000})
                for (double p : new double[] {1.0, 0.95, 0.3, 1e-12})
                    for (double minP : new double[] {0, 0.2}) {
                        SamplingParams sp = new SamplingParams(0.9, k, p, minP);
                        assertEquals(0, check(logits, sp, uniforms(rng, rows), valid, "edge " + dt));
                        check(logits, sp, uniforms(rng, rows), null, "edge " + dt);
                    }
            Samples s = FusedKernels.sample(logits, new SamplingParams(1.0, 0, 1.0, 0), uniforms(rng, rows), valid);
            assertEquals(417, s.ids()[0], "the only live id");
            assertTrue(s.ids()[4] < 998, "an id past validVocab was drawn");
            assertEquals(0, s.ids()[5], "validVocab 1 leaves id 0");
            Samples g = FusedKernels.sample(logits, SamplingParams.greedy(), null, valid);
            assertEquals(4, g.ids()[2], "greedy takes the first of tied maxima");
            assertEquals(0, g.ids()[3], "greedy takes the first of tied maxima");
            assertTrue(g.ids()[4] != 999, "greedy must not take an id past validVocab");
        }
    }

    @Test
    void stridedBatchTimeView() {
        Random rng = new Random(3);
        Tensor full = KernelTestData.logits(rng, ScalarType.BFloat16, 2.0, 2, 5, 300);
        Tensor view = full.narrow(1, 1, 3);   // [2, 3, 300], rows not contiguous with each other
        double[] u = uniforms(rng, 6);
        SamplingParams sp = new SamplingParams(0.8, 40, 0.9, 0);
        Samples a = FusedKernels.sample(view, sp, u, null);
        Samples b;
        try (Tensor c = view.contiguous()) {
            b = FusedKernels.sample(c, sp, u, null);
        }
        assertEquals(java.util.Arrays.toString(b.ids()), java.util.Arrays.toString(a.ids()));
        try (Tensor c = view.contiguous(); Tensor flat = c.reshape(6, 300)) {
            assertEquals(0, check(flat, sp, u, null, "strided"));
        }
    }

    /** Frequencies over many uniforms follow the reference distribution (chi-square, p = 0.001), on a small V. */
    @Test
    void frequenciesFollowTheDistribution() {
        float[] z = {2.0f, 1.5f, 1.5f, 0.3f, -0.2f, -1f, -3f, Float.NEGATIVE_INFINITY, 0.9f, 1.1f};
        int vocab = z.length, draws = 40000;
        for (SamplingParams sp : new SamplingParams[] {new SamplingParams(0.8, 6, 0.9, 0),
                new SamplingParams(1.0, 0, 1.0, 0), new SamplingParams(1.5, 0, 1.0, 0.1)}) {
            boolean[] amb = new boolean[1];
            double[] p = SamplingReference.distribution(z, 0, vocab, vocab, sp, amb);
            Tensor logits;
            try (Tensor row = HostTensors.fromFloats(z, 1, vocab)) {
                logits = row.expand(draws, vocab);   // one row seen draws times (row stride 0)
            }
            Samples s = FusedKernels.sample(logits, sp, uniforms(new Random(5), draws), null);
            int[] count = new int[vocab];
            for (long id : s.ids()) count[(int) id]++;
            double chi2 = 0;
            int df = -1;
            for (int v = 0; v < vocab; v++) {
                if (p[v] == 0) {
                    assertEquals(0, count[v], sp + ": id " + v + " is filtered out but was drawn");
                    continue;
                }
                double e = p[v] * draws;
                chi2 += (count[v] - e) * (count[v] - e) / e;
                df++;
            }
            // chi-square critical values at p = 0.001 for 1..9 degrees of freedom
            double[] crit = {10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32, 26.12, 27.88};
            assertTrue(df >= 1 && chi2 < crit[df - 1], sp + ": chi2 = " + chi2 + " with " + df + " degrees of freedom");
        }
    }

    @Test
    void nonFiniteRowsAreNamed() {
        float[] z = new float[4 * 50];
        for (int i = 0; i < z.length; i++) z[i] = i % 7;
        SamplingParams sp = new SamplingParams(1.0, 10, 0.9, 0);
        double[] u = {0.1, 0.2, 0.3, 0.4};
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
            float[] zb = z.clone();
            zb[2 * 50 + 17] = bad;
            for (ScalarType dt : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16, ScalarType.Half}) {
                Tensor logits;
                try (Tensor f = HostTensors.fromFloats(zb, 4, 50)) {
                    logits = f.to(dt);
                }
                expect(() -> FusedKernels.sample(logits, sp, u, null), "row 2", "NaN or +inf");
                expect(() -> FusedKernels.sample(logits, SamplingParams.greedy(), null, null), "row 2");
                // past validVocab the bad value is never read
                FusedKernels.sample(logits, sp, u, new long[] {50, 50, 17, 50});
            }
        }
        float[] zm = z.clone();
        for (int v = 0; v < 50; v++) zm[50 + v] = Float.NEGATIVE_INFINITY;
        Tensor masked = HostTensors.fromFloats(zm, 4, 50);
        expect(() -> FusedKernels.sample(masked, sp, u, null), "row 1", "no finite logit");
    }

    @Test
    void emptyBatchAndOneIdVocabulary() {
        Samples none = FusedKernels.sample(HostTensors.fromFloats(new float[0], 0, 10),
                new SamplingParams(1.0, 5, 0.9, 0), new double[0], null);
        assertEquals(0, none.ids().length);
        Samples one = FusedKernels.sample(HostTensors.fromFloats(new float[] {-3f, 7f}, 2, 1),
                new SamplingParams(1.0, 5, 0.9, 0.5), new double[] {0.0, 0.999999}, null);
        assertEquals(0L, one.ids()[0]);
        assertEquals(0L, one.ids()[1]);
        assertEquals(0.0, one.logProbs()[1], 1e-7, "a single id has probability 1");
    }

    @Test
    void badArgumentsAreNamed() {
        Tensor logits = KernelTestData.logits(new Random(1), ScalarType.Float, 1.0, 3, 20);
        double[] u = {0.1, 0.5, 0.9};
        SamplingParams sp = new SamplingParams(1.0, 0, 1.0, 0);
        expect(() -> new SamplingParams(-1, 0, 1, 0), "temperature");
        expect(() -> new SamplingParams(Double.NaN, 0, 1, 0), "temperature");
        expect(() -> new SamplingParams(Double.POSITIVE_INFINITY, 0, 1, 0), "temperature");
        expect(() -> new SamplingParams(1, -1, 1, 0), "topK");
        expect(() -> new SamplingParams(1, 0, 0, 0), "topP");
        expect(() -> new SamplingParams(1, 0, 1.5, 0), "topP");
        expect(() -> new SamplingParams(1, 0, 1, -0.1), "minP");
        expect(() -> new SamplingParams(1, 0, 1, Double.NaN), "minP");
        expect(() -> FusedKernels.sample(null, sp, u, null), "logits");
        expect(() -> FusedKernels.sample(logits.to(ScalarType.Double), sp, u, null), "logits", "float32");
        expect(() -> FusedKernels.sample(logits, null, u, null), "params");
        expect(() -> FusedKernels.sample(logits, sp, null, null), "uniforms");
        expect(() -> FusedKernels.sample(logits, sp, new double[] {0.1, 0.2}, null), "uniforms", "3 rows");
        expect(() -> FusedKernels.sample(logits, sp, new double[] {0.1, 1.0, 0.2}, null), "uniforms[1]", "[0, 1)");
        expect(() -> FusedKernels.sample(logits, sp, new double[] {0.1, Double.NaN, 0.2}, null), "uniforms[1]");
        expect(() -> FusedKernels.sample(logits, sp, u, new long[] {20, 20}), "validVocab", "3 rows");
        expect(() -> FusedKernels.sample(logits, sp, u, new long[] {20, 0, 20}), "validVocab[1]", "[1, 20]");
        expect(() -> FusedKernels.sample(logits, sp, u, new long[] {20, 21, 20}), "validVocab[1]");
    }

    private static void expect(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String f : fragments)
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should mention '" + f + "'");
    }
}
