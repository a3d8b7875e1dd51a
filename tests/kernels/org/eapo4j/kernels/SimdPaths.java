package org.eapo4j.kernels;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The SIMD paths of the CPU kernels that the kernel tests run, each in turn ({@code @ParameterizedClass} over
 * {@link #LEVELS}): AVX-512 and AVX2, so that both stay checked on a machine that would otherwise only ever run the
 * best one. A path this CPU lacks is skipped (assumption), never run. The generic path is run by the native test
 * programs (tests/native).
 */
final class SimdPaths {
    static final String AVX512 = "avx512", AVX2 = "avx2";

    private SimdPaths() {}

    /** Switches the kernels to this path for one test; skips the test where the CPU lacks it. */
    static void use(String level) {
        assumeTrue(FusedKernels.setCpuSimdLevel(level), level + " is not available on this CPU");
    }

    /** Back to the load-time choice (the best path, or EAPO4J_ISA). */
    static void restore() {
        FusedKernels.setCpuSimdLevel(null);
    }
}
