package org.eapo4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Runs the native test programs that CMake builds beside the library (tests/native/): the CPU self-check against a
 * float64 reference, with no Java in the loop.
 */
class NativeProgramsTest {
    static final Path BIN = Path.of("target", "native-build", "bin");

    static String run(Path program, String... args) throws IOException, InterruptedException {
        assertTrue(Files.isExecutable(program), program + " was not built (native/build.sh builds it)");
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(program.toString()));
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), program + " timed out");
        System.out.print(out);
        assertEquals(0, p.exitValue(), program + " failed:\n" + out);
        return out;
    }

    @Test
    void cpuSelfCheckPasses() throws Exception {
        String out = run(BIN.resolve("eapo4j_native_test"));
        assertTrue(out.contains("OK: 0 failures"), out);
    }

    /** The GPU test's cases (the ones cuda/gpu-check.sh runs on a GPU), here against the CPU kernels only. */
    @Test
    void gpuTestCasesPassOnTheCpuKernels() throws Exception {
        Path gpuTest = BIN.resolve("eapo4j_gpu_test");
        assumeTrue(Files.isExecutable(gpuTest), "built without nvcc: no GPU test program");
        String out = run(gpuTest, "--cpu-only");
        assertTrue(out.contains("OK: 0 failures"), out);
    }

    /** Without a GPU the GPU test program says so and exits 0; with one it runs every CUDA case. */
    @Test
    void gpuTestProgramNeverCrashes() throws Exception {
        Path gpuTest = BIN.resolve("eapo4j_gpu_test");
        assumeTrue(Files.isExecutable(gpuTest), "built without nvcc: no GPU test program");
        String out = run(gpuTest, "--small");
        assertTrue(out.contains("SKIPPED: no CUDA device") || out.contains("OK: 0 failures"), out);
    }

    /** The sampling op: the fast CPU kernel against the float64 full-sort reference (tests/native/sampling_test.cpp). */
    @Test
    void samplingKernelMatchesItsReference() throws Exception {
        String out = run(BIN.resolve("eapo4j_sampling_test"));
        assertTrue(out.contains(" 0 failed"), out);
    }

    /** Without a GPU the sampling GPU test says so and exits 0; with one it checks CUDA against the reference. */
    @Test
    void samplingGpuTestNeverCrashes() throws Exception {
        Path test = BIN.resolve("eapo4j_sampling_gpu_test");
        assumeTrue(Files.isExecutable(test), "built without nvcc: no GPU test program");
        String out = run(test, "--small");
        assertTrue(out.contains("SKIPPED: no CUDA device") || out.contains(" 0 failed"), out);
    }
}
