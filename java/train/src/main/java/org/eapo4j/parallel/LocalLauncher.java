package org.eapo4j.parallel;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Starts N worker JVMs on this machine as one data-parallel run (what {@code torchrun --nproc-per-node N} does):
 * the same class path, the environment {@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK},
 * {@code MASTER_ADDR=127.0.0.1} and a free {@code MASTER_PORT}, each output line forwarded with a
 * {@code [rank k] } prefix. It waits for all; when one exits with a non-zero code, it stops the others
 * ({@code destroy()}, then {@code destroyForcibly()} after the grace period) and returns that rank's code. A shutdown
 * hook stops the children on Ctrl-C or SIGTERM, so that no worker outlives the launcher.
 *
 * <p>The CLI's {@code --nproc N} calls {@code LocalLauncher.launch(n, List.of(<jvm options>..., mainClass, args...))}
 * and exits with its result; the workers open their {@link DistContext} with {@link DistContext#fromEnvironment()}.
 */
public final class LocalLauncher {
    private LocalLauncher() {}

    /** Settings of a launch; the defaults suit a CLI run. */
    public static final class Options {
        private String classPath = System.getProperty("java.class.path");
        private String javaBinary = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        private final Map<String, String> env = new LinkedHashMap<>();
        private Duration grace = Duration.ofSeconds(10);
        private PrintStream out = System.out;
        private Path workingDirectory;

        /** The workers' class path (default: this JVM's). */
        public Options classPath(String cp) {
            if (cp == null || cp.isEmpty()) throw new IllegalArgumentException("classPath must not be empty");
            this.classPath = cp;
            return this;
        }

        /** The java launcher (default: this JVM's). */
        public Options javaBinary(String java) {
            if (java == null || java.isEmpty()) throw new IllegalArgumentException("javaBinary must not be empty");
            this.javaBinary = java;
            return this;
        }

        /** An extra environment variable of every worker (e.g. {@link DistEnv#TIMEOUT_VARIABLE}). */
        public Options env(String name, String value) {
            if (name == null || name.isEmpty()) throw new IllegalArgumentException("env name must not be empty");
            env.put(name, value);
            return this;
        }

        /** How long the other ranks get to exit after SIGTERM before they are killed (default 10 s). */
        public Options grace(Duration g) {
            if (g == null || g.isNegative()) throw new IllegalArgumentException("grace must be >= 0, got " + g);
            this.grace = g;
            return this;
        }

        /** Where the prefixed output lines go (default System.out). */
        public Options out(PrintStream o) {
            if (o == null) throw new IllegalArgumentException("out must not be null");
            this.out = o;
            return this;
        }

        public Options workingDirectory(Path dir) {
            this.workingDirectory = dir;
            return this;
        }
    }

    /**
     * How the run ended: {@code exitCode} is 0, or the code of the first rank that failed ({@code failedRank},
     * -1 when none did); {@code exitCodes} holds every rank's code (a stopped rank's is the signal's, e.g. 143).
     */
    public record Result(int exitCode, int failedRank, int[] exitCodes) {}

    /** {@link #run} with default options; returns the exit code. */
    public static int launch(int nproc, List<String> javaArgs) {
        return run(nproc, javaArgs, new Options()).exitCode();
    }

    public static int launch(int nproc, List<String> javaArgs, Options options) {
        return run(nproc, javaArgs, options).exitCode();
    }

    /**
     * Runs {@code java -cp <classPath> <javaArgs...>} as ranks 0..nproc-1 and waits for them.
     *
     * @param javaArgs JVM options, then the main class and its arguments
     */
    public static Result run(int nproc, List<String> javaArgs, Options options) {
        if (nproc < 1) throw new IllegalArgumentException("nproc must be >= 1, got " + nproc);
        if (javaArgs == null || javaArgs.isEmpty())
            throw new IllegalArgumentException("javaArgs must name at least the main class");
        if (options == null) throw new IllegalArgumentException("options must not be null");
        int port = freePort();
        List<Process> procs = new ArrayList<>();
        List<Thread> pumps = new ArrayList<>();
        Thread hook = new Thread(() -> stopAll(procs, options.grace), "eapo4j-launcher-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            LinkedBlockingQueue<Integer> exited = new LinkedBlockingQueue<>();
            for (int r = 0; r < nproc; r++) {
                List<String> cmd = new ArrayList<>();
                cmd.add(options.javaBinary);
                cmd.add("-cp");
                cmd.add(options.classPath);
                cmd.addAll(javaArgs);
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
                if (options.workingDirectory != null) pb.directory(options.workingDirectory.toFile());
                Map<String, String> e = pb.environment();
                e.putAll(options.env);
                e.put("RANK", Integer.toString(r));
                e.put("LOCAL_RANK", Integer.toString(r));
                e.put("WORLD_SIZE", Integer.toString(nproc));
                e.put("MASTER_ADDR", "127.0.0.1");
                e.put("MASTER_PORT", Integer.toString(port));
                Process p;
                synchronized (procs) {
                    try {
                        p = pb.start();
                    } catch (IOException ex) {
                        throw new UncheckedIOException("could not start rank " + r + ": " + cmd.get(0), ex);
                    }
                    procs.add(p);
                }
                int rank = r;
                p.onExit().thenRun(() -> exited.add(rank));
                Thread pump = new Thread(() -> forward(p, "[rank " + rank + "] ", options.out),
                        "eapo4j-rank-" + r + "-output");
                pump.setDaemon(true);
                pump.start();
                pumps.add(pump);
            }
            int failed = -1, code = 0;
            for (int done = 0; done < nproc; done++) {
                int r = exited.take();
                int c = procs.get(r).exitValue();
                if (c != 0 && failed < 0) {
                    failed = r;
                    code = c;
                    options.out.println("[launcher] rank " + r + " exited with code " + c
                            + "; stopping the other ranks");
                    stopAll(procs, options.grace);
                }
            }
            for (Thread t : pumps) t.join(2000);
            int[] codes = new int[nproc];
            for (int r = 0; r < nproc; r++) codes[r] = procs.get(r).exitValue();
            return new Result(code, failed, codes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopAll(procs, options.grace);
            throw new IllegalStateException("interrupted while waiting for the ranks; they were stopped", e);
        } catch (RuntimeException e) {
            stopAll(procs, options.grace);
            throw e;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
        }
    }

    /** SIGTERM to every live child (and its descendants), SIGKILL to those still alive after {@code grace}. */
    private static void stopAll(List<Process> procs, Duration grace) {
        List<ProcessHandle> all = new ArrayList<>();
        synchronized (procs) {
            for (Process p : procs) {
                p.descendants().forEach(all::add);
                all.add(p.toHandle());
            }
        }
        for (ProcessHandle h : all) if (h.isAlive()) h.destroy();
        long deadline = System.nanoTime() + grace.toNanos();
        for (ProcessHandle h : all) {
            long left = deadline - System.nanoTime();
            try {
                if (left > 0) h.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (Exception timeoutOrInterrupt) {
                // killed below
            }
            if (h.isAlive()) h.destroyForcibly();
        }
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                // nothing more can be done from here
            }
        }
    }

    private static void forward(Process p, String prefix, PrintStream out) {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                synchronized (out) {
                    out.println(prefix + line);
                }
            }
        } catch (IOException closed) {
            // the process is gone
        }
    }

    /** A TCP port free on the loopback interface right now. */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free TCP port on 127.0.0.1", e);
        }
    }
}
