package org.eapo4j.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.Function;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile inputs to the kernels' Java API: each must raise an IllegalArgumentException naming the argument, before
 * any native call, or (where the input is legal) give the value an independent computation gives; never a crash,
 * never a silently wrong value. Complements {@link ValidationTest}.
 *
 * <p>Not testable here without a GPU: logits on a CUDA device with per-token inputs on the CPU (covered by
 * {@code FusedKernelsCudaTest.mixedDevicesAreRejected} on a GPU machine) and overlaps of CUDA buffers. The "meta"
 * device stands in for a foreign device.
 */
@ParameterizedClass(name = "simd {0}")
@ValueSource(strings = {SimdPaths.AVX512, SimdPaths.AVX2})
class HostileInputTest extends OnEachSimdPath {
    private static final int N = 6, V = 10;
    private PointerScope scope;
    private Tensor logits, y;
    private PolicyLossInputs in;

    @BeforeEach
    void setUp() {
        scope = new PointerScope();
        Random rng = new Random(11);
        logits = KernelTestData.logits(rng, ScalarType.Float, 1.0, N, V);
        y = KernelTestData.targets(rng, V, N);
        in = inputs(KernelTestData.constant(-2f, N), KernelTestData.constant(-2.1f, N), KernelTestData.uniform(rng, -1, 1, N),
                KernelTestData.constant(1f, N), KernelTestData.constant(1f / N, N));
    }

    @AfterEach
    void tearDown() {
        scope.close();
    }

    private static PolicyLossInputs inputs(Tensor old, Tensor ref, Tensor adv, Tensor w, Tensor c) {
        return new PolicyLossInputs(old, ref, adv, w, c);
    }

    private static void expect(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String f : fragments)
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should mention '" + f + "'");
    }

    private static final PolicyLossConfig CFG = PolicyLossConfig.builder().klBeta(0.05).entropyCoef(0.01).build();
    private static final PolicyLossConfig IN_PLACE = CFG.toBuilder().gradInPlace(true).build();

    /** The five per-token inputs, by name, with one of them replaced. */
    private PolicyLossInputs replacing(String name, Tensor t) {
        return replacing(in, name, t);
    }

    private static PolicyLossInputs replacing(PolicyLossInputs in, String name, Tensor t) {
        return inputs(name.equals("oldLogProbs") ? t : in.oldLogProbs(), name.equals("refLogProbs") ? t : in.refLogProbs(),
                name.equals("advantages") ? t : in.advantages(), name.equals("weights") ? t : in.weights(),
                name.equals("coefficients") ? t : in.coefficients());
    }

    private static final String[] PER_TOKEN = {"oldLogProbs", "refLogProbs", "advantages", "weights", "coefficients"};

    // ---- overlapping memory ----

    @Test
    void gradBufferShiftedByOneRowOverTheLogitsIsRefused() {
        Tensor storage = KernelTestData.logits(new Random(2), ScalarType.Float, 1.0, N + 1, V);
        Tensor z = storage.narrow(0, 0, N);
        expect(() -> FusedKernels.policyLoss(z, y, in, CFG, storage.narrow(0, 1, N)), "gradBuffer", "overlaps", "logits");
        expect(() -> FusedKernels.policyLoss(storage.narrow(0, 1, N), y, in, CFG, z), "gradBuffer", "overlaps", "logits");
        // one element of overlap is enough
        Tensor flat = KernelTestData.logits(new Random(3), ScalarType.Float, 1.0, 2 * N * V - 1);
        expect(() -> FusedKernels.policyLoss(flat.narrow(0, 0, N * V).view(N, V), y, in, CFG,
                flat.narrow(0, N * V - 1, N * V).view(N, V)), "gradBuffer", "logits");
    }

    @Test
    void gradBufferOverlappingAnyPerTokenInputIsRefused() {
        for (String name : PER_TOKEN) {
            Tensor storage = KernelTestData.constant(0.5f, N * V + N / 2);
            Tensor grad = storage.narrow(0, 0, N * V).view(N, V);
            Tensor perToken = storage.narrow(0, N * V - N / 2, N);   // half inside the last gradient row
            expect(() -> FusedKernels.policyLoss(logits, y, replacing(name, perToken), CFG, grad), "gradBuffer", name);
        }
    }

    @Test
    void gradBufferOverlappingTheTargetsIsRefused() {
        Tensor storage = torch.zeros(N * V + 2 * N);   // zero bits are the int64 target 0
        Tensor grad = storage.narrow(0, 0, N * V).view(N, V);
        Tensor targets = storage.narrow(0, N * V - 2 * N, 2 * N).view(ScalarType.Long);
        assertEquals(N, targets.numel());
        expect(() -> FusedKernels.policyLoss(logits, targets, in, CFG, grad), "gradBuffer", "targets");
    }

    @Test
    void inPlaceGradientOverlappingAnInputIsRefused() {
        for (String name : PER_TOKEN) {
            Tensor storage = KernelTestData.logits(new Random(4), ScalarType.Float, 0.1, N * V + 2);
            Tensor z = storage.narrow(0, 0, N * V).view(N, V);
            Tensor perToken = storage.narrow(0, 2, N);   // inside the first row of the logits
            expect(() -> FusedKernels.policyLoss(z, y, replacing(name, perToken), IN_PLACE), "gradInPlace", name);
        }
        Tensor storage = torch.zeros(N * V + 2 * N);
        Tensor z = storage.narrow(0, 2 * N, N * V).view(N, V);
        Tensor targets = storage.narrow(0, 0, 2 * N + 2).narrow(0, 2, 2 * N).view(ScalarType.Long);
        expect(() -> FusedKernels.policyLoss(z, targets, in, IN_PLACE), "gradInPlace", "targets");
    }

    @Test
    void gradBufferThatIsExactlyTheLogitsViewIsTheInPlaceMode() {
        double[] wantGrad;
        double wantLoss;
        try (Tensor copy = logits.clone(); PolicyLossResult fresh = FusedKernels.policyLoss(copy, y, in, CFG)) {
            wantGrad = AutogradReference.doubles(fresh.gradLogits());
            wantLoss = fresh.loss();
        }
        Tensor work = logits.clone();
        try (Tensor sameView = work.view(N, V); PolicyLossResult r = FusedKernels.policyLoss(work, y, in, CFG, sameView)) {
            assertEquals(wantLoss, r.loss(), 0.0);
            assertArrayEquals(wantGrad, AutogradReference.doubles(work), 0.0, "the gradient is written over the logits");
        }
    }

    @Test
    void disjointPartsOfOneStorageAndSharedReadOnlyInputsAreFine() {
        Tensor storage = torch.empty(2 * N, V);
        storage.narrow(0, 0, N).copy_(logits);
        Tensor grad = storage.narrow(0, N, N);
        // inputs may overlap each other: they are only read
        Tensor shared = KernelTestData.constant(-2f, N);
        PolicyLossInputs sharing = inputs(shared, shared, in.advantages(), in.weights(), in.coefficients());
        try (PolicyLossResult want = FusedKernels.policyLoss(logits, y, sharing, CFG);
             PolicyLossResult got = FusedKernels.policyLoss(storage.narrow(0, 0, N), y, sharing, CFG, grad)) {
            assertEquals(want.loss(), got.loss(), 0.0);
            assertArrayEquals(AutogradReference.doubles(want.gradLogits()), AutogradReference.doubles(grad), 0.0);
        }
    }

    // ---- scalars: denormals, NaN, infinities, float overflow ----

    private static final double[] NOT_FINITE_OR_DENORMAL = {Double.NaN, Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY, 1e-40, -1e-40, Float.MIN_VALUE, Double.MIN_VALUE, 1e300, -1e300};

    @Test
    void temperatureMustBeANormalFloatWithANormalReciprocal() {
        double[] bad = {1e-40, Float.MIN_VALUE, 1e-39, Double.MIN_VALUE, 1e-300, 0, -0.0, -1, Double.NaN,
                Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e38, 1e300};
        for (double t : bad) {
            expect(() -> FusedKernels.tokenStats(logits, y, t), "temperature", "[1.17549435E-38, 8.507059E37]");
            expect(() -> PolicyLossConfig.builder().temperature(t).build(), "temperature");
        }
        for (double t : new double[] {KernelScalars.MIN_TEMPERATURE, KernelScalars.MAX_TEMPERATURE, 1e-30, 1e30}) {
            try (TokenStats st = FusedKernels.tokenStats(logits.mul(new org.bytedeco.pytorch.Scalar(1e-3)), y, t)) {
                assertEquals(N, st.logProbs().numel());
            }
            PolicyLossConfig.builder().temperature(t).build();
        }
        // A huge temperature flattens the distribution: log p = -log V, H = log V, to float precision.
        try (TokenStats st = FusedKernels.tokenStats(logits, y, KernelScalars.MAX_TEMPERATURE)) {
            for (double lp : AutogradReference.doubles(st.logProbs())) assertEquals(-Math.log(V), lp, 1e-5);
            for (double h : AutogradReference.doubles(st.entropy())) assertEquals(Math.log(V), h, 1e-5);
        }
    }

    @Test
    void everyConfigValueMustBeFiniteAndNotDenormalAsAFloat() {
        String[] names = {"clipLow", "clipHigh", "dualClip", "klBeta", "entropyCoef"};
        for (String name : names) {
            for (double v : NOT_FINITE_OR_DENORMAL) {
                Function<PolicyLossConfig.Builder, PolicyLossConfig.Builder> set = b -> switch (name) {
                    case "clipLow" -> b.clipLow(v);
                    case "clipHigh" -> b.clipHigh(v);
                    case "dualClip" -> b.dualClip(v);
                    case "klBeta" -> b.klBeta(v);
                    default -> b.entropyCoef(v);
                };
                expect(() -> set.apply(PolicyLossConfig.builder()).build(), name);
            }
        }
        // values fine as doubles that round to an out-of-range float
        expect(() -> PolicyLossConfig.builder().clipLow(0.99999999).build(), "clipLow", "[0, 1)");
        expect(() -> PolicyLossConfig.builder().dualClip(1.00000001).build(), "dualClip", "> 1");
        // the range edges that are legal
        PolicyLossConfig.builder().clipLow(0).clipHigh(0).dualClip(0).klBeta(0).entropyCoef(-0.01).build();
        PolicyLossConfig.builder().clipLow(0.9999).clipHigh(1e30).dualClip(1.001).klBeta(1e30).entropyCoef(1e30).build();
    }

    @Test
    void nonFiniteValuesInEveryPerTokenInputAreRefused() {
        for (String name : PER_TOKEN) {
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                float[] v = {-1, -1, -1, -1, -1, -1};
                v[N - 1] = bad;
                Tensor t = HostTensors.fromFloats(v, N);
                expect(() -> FusedKernels.policyLoss(logits, y, replacing(name, t), CFG), name, "finite");
            }
        }
    }

    // ---- dtypes ----

    @Test
    void everyLogitsDtype() {
        for (ScalarType ok : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16, ScalarType.Half}) {
            Tensor z = logits.to(ok);
            try (TokenStats st = FusedKernels.tokenStats(z, y, 1.0);
                 PolicyLossResult r = FusedKernels.policyLoss(z, y, in, CFG)) {
                assertEquals(ok, TensorChecks.dtype(r.gradLogits()));
                assertEquals(ScalarType.Float, TensorChecks.dtype(st.logProbs()));
            }
        }
        for (ScalarType bad : new ScalarType[] {ScalarType.Double, ScalarType.Int, ScalarType.Long, ScalarType.Byte,
                ScalarType.Bool, ScalarType.ComplexFloat}) {
            Tensor z = logits.to(bad);
            expect(() -> FusedKernels.tokenStats(z, y, 1.0), "logits", "float32, bfloat16 or float16");
            expect(() -> FusedKernels.policyLoss(z, y, in, CFG), "logits", "float32, bfloat16 or float16");
        }
    }

    @Test
    void wrongDtypesOfTargetsAndPerTokenInputs() {
        for (ScalarType bad : new ScalarType[] {ScalarType.Int, ScalarType.Short, ScalarType.Byte, ScalarType.Float}) {
            Tensor t = y.to(bad);
            expect(() -> FusedKernels.tokenStats(logits, t, 1.0), "targets", "Long");
            expect(() -> FusedKernels.policyLoss(logits, t, in, CFG), "targets", "Long");
        }
        for (String name : PER_TOKEN) {
            for (ScalarType bad : new ScalarType[] {ScalarType.Double, ScalarType.Half, ScalarType.BFloat16,
                    ScalarType.Long}) {
                Tensor t = KernelTestData.constant(-1f, N).to(bad);
                expect(() -> FusedKernels.policyLoss(logits, y, replacing(name, t), CFG), name, "Float");
            }
        }
        expect(() -> FusedKernels.policyLoss(logits, y, in, CFG, logits.to(ScalarType.Half)), "gradBuffer", "dtype");
    }

    // ---- devices ----

    private static Tensor onMeta(long... shape) {
        try (Device meta = new Device("meta"); DeviceOptional d = new DeviceOptional(meta);
             TensorOptions base = new TensorOptions(ScalarType.Float); TensorOptions o = base.device(d)) {
            return torch.empty(shape, o, null);
        }
    }

    @Test
    void tensorsOnAForeignDeviceAreRefused() {
        expect(() -> FusedKernels.tokenStats(onMeta(N, V), y, 1.0), "logits", "CPU or a CUDA device");
        Tensor metaTargets = onMeta(N).to(ScalarType.Long);
        expect(() -> FusedKernels.tokenStats(logits, metaTargets, 1.0), "targets", "CPU or a CUDA device");
        for (String name : PER_TOKEN)
            expect(() -> FusedKernels.policyLoss(logits, y, replacing(name, onMeta(N)), CFG), name, "CPU or a CUDA");
        expect(() -> FusedKernels.policyLoss(logits, y, in, CFG, onMeta(N, V)), "gradBuffer");
    }

    // ---- strides ----

    @Test
    void vocabularyDimensionMustBeContiguous() {
        Tensor wide = KernelTestData.logits(new Random(5), ScalarType.Float, 1.0, N, 2 * V);
        Tensor everyOther = wide.as_strided(new long[] {N, V}, 2L * V, 2L);
        expect(() -> FusedKernels.tokenStats(everyOther, y, 1.0), "logits", "contiguous in its last");
        Tensor column = KernelTestData.logits(new Random(6), ScalarType.Float, 1.0, N, 1);
        Tensor broadcastVocab = column.expand(N, V);   // stride 0 along the vocabulary
        expect(() -> FusedKernels.tokenStats(broadcastVocab, y, 1.0), "logits", "contiguous in its last");
        expect(() -> FusedKernels.policyLoss(logits, y, in, CFG, wide.as_strided(new long[] {N, V}, 2L * V, 2L)),
                "gradBuffer", "contiguous in its last");
    }

    @Test
    void negativeStridesCannotBeBuiltAndFlipCopies() {
        // LibTorch refuses negative strides itself; flip() makes a copy with positive strides, which is fine.
        assertThrows(RuntimeException.class, () -> logits.as_strided(new long[] {N, V}, -V, 1L));
        Tensor flipped = logits.flip(0);
        try (TokenStats a = FusedKernels.tokenStats(flipped, y.flip(0), 1.0);
             TokenStats b = FusedKernels.tokenStats(logits, y, 1.0)) {
            double[] fa = AutogradReference.doubles(a.logProbs()), fb = AutogradReference.doubles(b.logProbs());
            for (int i = 0; i < N; i++) assertEquals(fb[N - 1 - i], fa[i], 0.0);
        }
    }

    @Test
    void expandedTensorsAreReadCorrectlyAndNeverWritten() {
        // rows of stride 0: every row is row 0; reading them is legal, writing a gradient over them is not
        Tensor row = logits.narrow(0, 0, 1);
        Tensor expanded = row.expand(N, V);
        Tensor y0 = KernelTestData.constant(0f, N).to(ScalarType.Long);
        AutogradReference want = AutogradReference.tokenStats(row.contiguous().expand(N, V).contiguous(), y0, 1.0);
        try (TokenStats st = FusedKernels.tokenStats(expanded, y0, 1.0)) {
            KernelTestData.assertClose("logp of expanded rows", AutogradReference.doubles(st.logProbs()), want.logp,
                    1e-6, 1e-6);
        }
        expect(() -> FusedKernels.policyLoss(expanded, y0, in, IN_PLACE), "overlap");
        expect(() -> FusedKernels.policyLoss(logits, y, in, CFG, row.expand(N, V)), "gradBuffer", "overlap");
        // per-token inputs of stride 0 and non-contiguous per-token inputs are read as their values
        Tensor one = KernelTestData.constant(1f, 1);
        Tensor strided = KernelTestData.constant(1f, 2 * N).as_strided(new long[] {N}, 2L);
        try (PolicyLossResult a = FusedKernels.policyLoss(logits, y, replacing("weights", one.expand(N)), CFG);
             PolicyLossResult b = FusedKernels.policyLoss(logits, y, replacing("weights", strided), CFG);
             PolicyLossResult c = FusedKernels.policyLoss(logits, y, in, CFG)) {
            assertEquals(c.loss(), a.loss(), 0.0);
            assertEquals(c.loss(), b.loss(), 0.0);
        }
    }

    @Test
    void hugeSizes() {
        // An element count that overflows int64 cannot even be built: LibTorch refuses it.
        assertThrows(RuntimeException.class, () -> logits.narrow(0, 0, 1).view(1, 1, V).expand(1L << 31, 1L << 31, V));
        // A legal view of one row as 2^40 rows takes no memory; its outputs would take terabytes.
        long rows = 1L << 40;
        Tensor z = logits.narrow(0, 0, 1).expand(rows, V);
        Tensor yy = KernelTestData.constant(0f, 1).to(ScalarType.Long).expand(rows);
        Tensor perToken = KernelTestData.constant(1f, 1).expand(rows);
        expect(() -> FusedKernels.tokenStats(z, yy, 1.0), "logits", "rows", "memory");
        expect(() -> FusedKernels.policyLoss(z, yy, inputs(perToken, null, perToken, perToken, perToken),
                PolicyLossConfig.DEFAULT), "logits", "memory");
    }

    // ---- empty tensors, V = 1 ----

    @Test
    void emptyBatchesGiveEmptyResults() {
        Tensor z = HostTensors.emptyLike(new long[] {0, V}, ScalarType.Float, logits);
        Tensor y0 = HostTensors.emptyLike(new long[] {0}, ScalarType.Long, logits);
        Tensor e = HostTensors.emptyLike(new long[] {0}, ScalarType.Float, logits);
        PolicyLossInputs empty = inputs(e, e, e, e, e);
        try (TokenStats st = FusedKernels.tokenStats(z, y0, 1.0);
             PolicyLossResult r = FusedKernels.policyLoss(z, y0, empty, CFG);
             PolicyLossResult rb = FusedKernels.policyLoss(z, y0, empty, CFG, z.clone())) {
            assertEquals(0, st.logProbs().numel());
            assertEquals(0.0, r.loss());
            assertEquals(0.0, r.clipFraction());
            assertArrayEquals(new long[] {0, V}, TensorChecks.shape(r.gradLogits()));
            assertEquals(0.0, rb.loss());
        }
        Tensor z3 = HostTensors.emptyLike(new long[] {2, 0, V}, ScalarType.BFloat16, logits);
        try (TokenStats st = FusedKernels.tokenStats(z3, HostTensors.emptyLike(new long[] {2, 0}, ScalarType.Long, logits),
                1.0)) {
            assertArrayEquals(new long[] {2, 0}, TensorChecks.shape(st.entropy()));
        }
        expect(() -> FusedKernels.tokenStats(HostTensors.emptyLike(new long[] {0, 0}, ScalarType.Float, logits), y0, 1.0),
                "logits", "vocabulary dimension >= 1");
    }

    @Test
    void vocabularyOfOne() {
        // One token: p = 1, log p = 0, H = 0 and a zero gradient; the loss is the clipped surrogate alone.
        Tensor z = KernelTestData.logits(new Random(9), ScalarType.Float, 3.0, N, 1);
        Tensor y0 = KernelTestData.constant(0f, N).to(ScalarType.Long);
        PolicyLossInputs one = inputs(KernelTestData.constant(-2f, N), null, KernelTestData.constant(1f, N),
                KernelTestData.constant(1f, N), KernelTestData.constant(1f / N, N));
        PolicyLossConfig cfg = PolicyLossConfig.DEFAULT;   // eps 0.2 / 0.2, no KL, no entropy term
        try (TokenStats st = FusedKernels.tokenStats(z, y0, 0.7);
             PolicyLossResult r = FusedKernels.policyLoss(z, y0, one, cfg)) {
            // exact in real arithmetic; the kernels' exp/log are float approximations (here within 6e-8)
            for (double v : AutogradReference.doubles(st.logProbs())) assertEquals(0.0, v, 1e-6);
            for (double v : AutogradReference.doubles(st.entropy())) assertEquals(0.0, v, 1e-6);
            // rho = e^(0 - (-2)) = 7.39 > 1.2: A = 1 selects -A * 1.2 per token; L = sum (1/N) * -1.2
            assertEquals(-1.2, r.loss(), 1e-6);
            assertEquals(1.0, r.clipFraction());
            for (double g : AutogradReference.doubles(r.gradLogits())) assertEquals(0.0, g, 1e-6);
        }
        expect(() -> FusedKernels.tokenStats(z, KernelTestData.constant(1f, N).to(ScalarType.Long), 1.0), "targets",
                "[0, 1)");
    }

    // ---- targets and lengths ----

    @Test
    void targetsOutOfRange() {
        for (long bad : new long[] {V, V + 1, Long.MAX_VALUE, -1, Long.MIN_VALUE}) {
            long[] ids = {0, 1, 2, 3, 4, 5};
            ids[3] = bad;
            Tensor t = HostTensors.fromLongs(ids, N);
            expect(() -> FusedKernels.tokenStats(logits, t, 1.0), "targets", "[0, " + V + ")");
            expect(() -> FusedKernels.policyLoss(logits, t, in, CFG), "targets", "[0, " + V + ")");
            expect(() -> FusedKernels.policyLoss(logits, t, in, CFG, logits.clone()), "targets");
        }
    }

    @Test
    void mismatchedLengths() {
        Tensor z3 = KernelTestData.logits(new Random(10), ScalarType.Float, 1.0, 2, 3, V);
        expect(() -> FusedKernels.tokenStats(z3, y, 1.0), "targets", "shape [2, 3]");
        expect(() -> FusedKernels.tokenStats(logits, y.narrow(0, 0, N - 1), 1.0), "targets", "shape [6]");
        expect(() -> FusedKernels.tokenStats(logits, y.view(N, 1), 1.0), "targets", "shape [6]");
        for (String name : PER_TOKEN) {
            expect(() -> FusedKernels.policyLoss(logits, y, replacing(name, KernelTestData.constant(1f, N + 1)), CFG),
                    name, "shape [6]");
            expect(() -> FusedKernels.policyLoss(logits, y, replacing(name, KernelTestData.constant(1f, N, 1)), CFG),
                    name, "shape [6]");
            Tensor t3 = KernelTestData.constant(-1f, 2, 3);
            PolicyLossInputs in3 = inputs(t3, t3, t3, t3, t3);
            expect(() -> FusedKernels.policyLoss(z3, HostTensors.fromLongs(new long[6], 2, 3),
                    replacing(in3, name, KernelTestData.constant(1f, 6)), CFG), name, "shape [2, 3]");
        }
        expect(() -> FusedKernels.policyLoss(logits, y, in, CFG, torch.zeros(N, V + 1)), "gradBuffer", "shape");
        expect(() -> FusedKernels.policyLoss(logits, y, in, CFG, torch.zeros(N + 1, V)), "gradBuffer", "shape");
        expect(() -> FusedKernels.policyLoss(logits, y, in, CFG, torch.zeros(N * V)), "gradBuffer");
    }
}
