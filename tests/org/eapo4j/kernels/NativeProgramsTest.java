package org.eapo4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    static String run(Path program) throws IOException, InterruptedException {
        assertTrue(Files.isExecutable(program), program + " was not built (native/build.sh builds it)");
        Process p = new ProcessBuilder(program.toString()).redirectErrorStream(true).start();
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
}
