package org.eapo4j.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The packaged jar loads its native libraries on its own: a fresh JVM with only the jar and the dependency jars on
 * its class path (no target/classes, no build directory, no LD_LIBRARY_PATH), started in an unrelated directory,
 * runs the kernels. Runs in Maven's integration-test phase, after the jar is built.
 */
class JarLoadIT {

    @Test
    void jarRunsKernelsWithoutTheBuildTree() throws IOException, InterruptedException {
        Path jar;
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            jar = files.filter(p -> p.getFileName().toString().matches("eapo4j-.*\\.jar"))
                    .filter(p -> !p.getFileName().toString().contains("tests")).findFirst()
                    .orElseThrow(() -> new AssertionError("no eapo4j jar in target/"));
        }
        String deps = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(p -> p.endsWith(".jar") && !p.contains("junit") && !p.contains("jmh")
                        && !p.contains("surefire") && !p.contains("failsafe"))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", jar.toAbsolutePath() + File.pathSeparator + deps, "org.eapo4j.demo.KernelDemo", "16", "500"));
        Path work = Files.createTempDirectory("eapo4j-jar");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true);
        pb.environment().remove("LD_LIBRARY_PATH");
        Process proc = pb.start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(proc.waitFor(120, TimeUnit.SECONDS), "demo did not finish");
        assertEquals(0, proc.exitValue(), "demo from the jar failed:\n" + out);
        assertTrue(out.contains("policy loss : L ="), "unexpected output:\n" + out);
        System.out.println(out);
    }
}
