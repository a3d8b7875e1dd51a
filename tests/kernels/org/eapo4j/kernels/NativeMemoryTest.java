package org.eapo4j.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/** 10,000 calls of each kernel in a loop must not grow resident memory beyond a small bound (after warm-up). */
class NativeMemoryTest {

    static long residentKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status")))
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    /**
     * Resident memory with the Java heap held constant: the test JVM runs with -Xms = -Xmx and -XX:+AlwaysPreTouch
     * (pom.xml, surefire argLine), so the heap is fully resident from the start and any growth is native.
     */
    static long nativeResidentKiB() throws IOException {
        Runtime rt = Runtime.getRuntime();
        if (rt.totalMemory() != rt.maxMemory())
            throw new IllegalStateException("run with -Xms equal to -Xmx and -XX:+AlwaysPreTouch (see pom.xml)");
        return residentKiB();
    }

    @Test
    void tenThousandCallsDoNotGrowResidentMemory() throws IOException {
        // No PointerScope around the loop: a scope would hold every temporary until it closes. The kernels' facade
        // closes its own temporaries, which is what this test checks.
        {
            Random rng = new Random(0);
            Tensor logits = KernelTestData.logits(rng, ScalarType.BFloat16, 2.0, 16, 256);
            Tensor y = KernelTestData.targets(rng, 256, 16);
            PolicyLossInputs in = new PolicyLossInputs(KernelTestData.constant(-5f, 16), KernelTestData.constant(-5f, 16),
                    KernelTestData.uniform(rng, -1, 1, 16), KernelTestData.constant(1f, 16),
                    KernelTestData.constant(1f / 16, 16));
            PolicyLossConfig cfg = PolicyLossConfig.builder().klBeta(0.01).entropyCoef(0.01).build();
            Runnable call = () -> {
                try (TokenStats st = FusedKernels.tokenStats(logits, y, 1.0);
                     PolicyLossResult r = FusedKernels.policyLoss(logits, y, in, cfg)) {
                    if (!Double.isFinite(r.loss())) throw new AssertionError("loss not finite");
                }
            };
            // The first 10,000 calls settle the JIT, glibc's arenas and the heap size (seen here: +20 MiB, then flat).
            for (int i = 0; i < 10_000; i++) call.run();
            long before = nativeResidentKiB();
            for (int i = 0; i < 10_000; i++) call.run();
            long grown = nativeResidentKiB() - before;
            System.out.printf("native resident memory over the second 10,000 calls of each kernel: %+d KiB%n", grown);
            // A leak of one small tensor (64 bytes of data + its TensorImpl) per call would exceed this.
            assertTrue(grown < 8 * 1024, "native resident memory grew by " + grown + " KiB over 10,000 calls");
            for (Tensor t : new Tensor[] {logits, y, in.oldLogProbs(), in.refLogProbs(), in.advantages(), in.weights(),
                    in.coefficients()}) t.close();
        }
    }
}
