package org.eapo4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Native ownership of kernel results: a {@link KernelScope} frees what the kernels return while it is open; results
 * outside any scope are freed by their own close() (idempotent), and unclosed ones are bounded by
 * {@link UnscopedResults}. No PointerScope here: it would own the results too and hide what is tested.
 */
class KernelScopeTest {
    private static final int N = 64, V = 32_000;
    private static Tensor logits, y;
    private static PolicyLossInputs in;
    private static final PolicyLossConfig CFG = PolicyLossConfig.builder().klBeta(0.01).entropyCoef(0.01).build();

    @BeforeAll
    static void inputs() {
        Random rng = new Random(3);
        logits = KernelTestData.logits(rng, ScalarType.Float, 2.0, N, V);
        y = KernelTestData.targets(rng, V, N);
        in = new PolicyLossInputs(KernelTestData.constant(-9f, N), KernelTestData.constant(-9f, N),
                KernelTestData.uniform(rng, -1, 1, N), KernelTestData.constant(1f, N), KernelTestData.constant(1f / N, N));
    }

    @AfterAll
    static void free() {
        for (Tensor t : new Tensor[] {logits, y, in.oldLogProbs(), in.refLogProbs(), in.advantages(), in.weights(),
                in.coefficients()}) t.close();
    }

    private static boolean freed(PolicyLossResult r) {
        return r.tokenLoss().isNull() && r.logProbs().isNull() && r.entropy().isNull() && r.klPerToken().isNull()
                && r.gradLogits().isNull() && r.clippedFlags().isNull();
    }

    @Test
    void resultsAreFreedWhenTheirScopeCloses() {
        TokenStats st;
        PolicyLossResult r;
        try (KernelScope scope = new KernelScope()) {
            assertSame(scope, KernelScope.current());
            st = FusedKernels.tokenStats(logits, y, 1.0);
            r = FusedKernels.policyLoss(logits, y, in, CFG);
            assertEquals(2, scope.size());
            assertFalse(st.logProbs().isNull());
            assertFalse(r.gradLogits().isNull());
            r.close();   // closing early is fine; the scope's close is then a no-op for it
        }
        assertNull(KernelScope.current());
        assertTrue(st.logProbs().isNull() && st.entropy().isNull(), "the scope freed the token statistics");
        assertTrue(freed(r));
    }

    @Test
    void resultsOutsideAnyScopeAreFreedByClose() {
        assertNull(KernelScope.current());
        long before = KernelScope.unscopedResults();
        long liveBefore = UnscopedResults.liveBytes();
        PolicyLossResult r = FusedKernels.policyLoss(logits, y, in, CFG);
        TokenStats st = FusedKernels.tokenStats(logits, y, 1.0);
        assertEquals(before + 2, KernelScope.unscopedResults());
        assertTrue(UnscopedResults.liveBytes() >= liveBefore + (long) N * V * 4, "the gradient's bytes are counted");
        r.close();
        st.close();
        assertTrue(freed(r));
        assertTrue(st.logProbs().isNull() && st.entropy().isNull());
        r.close();   // idempotent
        st.close();
        assertTrue(UnscopedResults.liveBytes() <= liveBefore, "closed results no longer count");
    }

    @Test
    void nestedScopesAndDetach() {
        PolicyLossResult kept;
        TokenStats inner;
        try (KernelScope outer = new KernelScope()) {
            TokenStats outerStats = FusedKernels.tokenStats(logits, y, 1.0);
            try (KernelScope scope = new KernelScope()) {
                inner = FusedKernels.tokenStats(logits, y, 1.0);
                kept = scope.detach(FusedKernels.policyLoss(logits, y, in, CFG));
                assertEquals(1, scope.size());
                assertEquals(1, outer.size());
                assertThrows(IllegalArgumentException.class, () -> scope.detach(outerStats));
            }
            assertTrue(inner.logProbs().isNull(), "the inner scope freed its result");
            assertFalse(outerStats.logProbs().isNull(), "the outer scope's result lives until it closes");
            assertSame(outer, KernelScope.current());
        }
        assertFalse(kept.gradLogits().isNull(), "a detached result is the caller's");
        kept.close();
        assertTrue(freed(kept));
    }

    @Test
    void aScopeBelongsToItsThread() throws InterruptedException {
        KernelScope scope = new KernelScope();
        AtomicReference<Throwable> seen = new AtomicReference<>();
        Thread other = new Thread(() -> {
            try {
                scope.close();
            } catch (Throwable t) {
                seen.set(t);
            }
            assertNull(KernelScope.current(), "another thread does not see this thread's scopes");
        });
        other.start();
        other.join();
        assertTrue(seen.get() instanceof IllegalStateException, String.valueOf(seen.get()));
        scope.close();
        scope.close();   // idempotent
        assertThrows(IllegalStateException.class, () -> scope.attach(() -> { }));
    }

    @Test
    void javacppAccountingDoesNotSeeLibTorchStorage() {
        // Documents why KernelScope / UnscopedResults exist: an 8 MiB gradient registers only its handle with JavaCPP.
        long before = Pointer.totalBytes();
        try (PolicyLossResult r = FusedKernels.policyLoss(logits, y, in, CFG)) {
            long seen = Pointer.totalBytes() - before;
            assertTrue(seen < 64 * 1024, "JavaCPP saw " + seen + " bytes of a " + r.gradLogits().nbytes() + "-byte result;"
                    + " if it now counts storage, update the Javadoc of KernelScope and UnscopedResults");
        }
    }

    @Test
    void unclosedResultsAreBoundedByForcedCollectionsThenAnError() {
        long saved = UnscopedResults.limit();
        UnscopedResults.limit(64L << 20);
        try {
            // Dropped without close: forced collections free them, so the loop runs and the count stays bounded.
            for (int i = 0; i < 100; i++) FusedKernels.policyLoss(logits, y, in, CFG);
            assertTrue(UnscopedResults.liveBytes() <= 64L << 20);
            // Held without close: nothing to collect, so the call that crosses the limit fails cleanly.
            List<PolicyLossResult> held = new ArrayList<>();
            OutOfMemoryError e = assertThrows(OutOfMemoryError.class, () -> {
                for (int i = 0; i < 20; i++) held.add(FusedKernels.policyLoss(logits, y, in, CFG));
            });
            assertTrue(e.getMessage().contains("KernelScope"), e.getMessage());
            assertTrue(held.size() >= 6 && held.size() <= 8, "held " + held.size() + " results of 8 MiB");
            held.forEach(PolicyLossResult::close);
        } finally {
            UnscopedResults.limit(saved);
        }
    }

    @Test
    void twoThousandCallsInsideScopesKeepResidentMemoryFlat() throws IOException {
        Runnable call = () -> {
            try (KernelScope scope = new KernelScope()) {
                TokenStats st = FusedKernels.tokenStats(logits, y, 1.0);
                PolicyLossResult r = FusedKernels.policyLoss(logits, y, in, CFG);
                if (!Double.isFinite(r.loss()) || st.logProbs().numel() != N) throw new AssertionError("bad result");
            }
        };
        for (int i = 0; i < 200; i++) call.run();   // warm-up: JIT, allocator arenas
        long start = NativeMemoryTest.nativeResidentKiB(), max = start;
        for (int i = 1; i <= 2000; i++) {
            call.run();
            if (i % 100 == 0) {
                max = Math.max(max, NativeMemoryTest.nativeResidentKiB());
                // Without the scope each call would keep ~8.3 MiB: stop long before that eats the machine.
                assertTrue(max - start < 64 * 1024, "resident memory grew by " + (max - start) + " KiB after " + i
                        + " calls");
            }
        }
        System.out.printf("2,000 scoped calls at %dx%d: resident start %d KiB, max %+d KiB%n", N, V, start, max - start);
    }
}
