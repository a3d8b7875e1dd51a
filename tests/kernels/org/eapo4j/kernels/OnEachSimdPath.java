package org.eapo4j.kernels;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.Parameter;

/**
 * Base of the kernel test classes that run every test on each SIMD path of the CPU kernels in turn: the subclass is a
 * {@code @ParameterizedClass} over {@link SimdPaths} levels, and the path is switched before each test and restored
 * after it.
 */
abstract class OnEachSimdPath {
    @Parameter
    String simd;

    @BeforeEach
    void useSimdPath() {
        SimdPaths.use(simd);
    }

    @AfterEach
    void restoreSimdPath() {
        SimdPaths.restore();
    }
}
