package org.eapo4j.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.eapo4j.parallel.DistContext;
import org.eapo4j.parallel.DistEnv;
import org.eapo4j.parallel.LocalLauncher;
import org.eapo4j.train.ConfigException;
import org.eapo4j.train.RlConfig;

/**
 * {@code train --nproc N}: checks the command line here, then starts N worker JVMs on this machine
 * ({@link LocalLauncher}: the torchrun variables, a free port on 127.0.0.1, output lines prefixed {@code [rank k]},
 * the others stopped when one fails, none left behind on Ctrl-C) that each run the same {@code train} command as
 * one rank. A worker (or a process started by torchrun or any launcher that sets {@code WORLD_SIZE} etc.) opens its
 * {@link DistContext} from the environment.
 */
final class TrainLauncher {
    /** The longest --nproc accepted (far above what one machine runs). */
    static final int MAX_NPROC = 256;
    /** The command line as given to {@link Main#execute} (the workers get it minus --nproc). */
    static String[] rawArgs = new String[0];

    private TrainLauncher() {}

    /** Whether this process is one rank of a run started by a launcher (WORLD_SIZE set). */
    static boolean isWorker() {
        String w = System.getenv("WORLD_SIZE");
        return w != null && !w.isBlank();
    }

    /**
     * Refuses a bad --nproc before any worker starts: the range, a launcher that already set WORLD_SIZE, and a
     * run with fewer prompt groups per step than processes (checked again against the data by each rank).
     */
    static void check(int nproc, RlConfig cfg) {
        if (nproc < 1 || nproc > MAX_NPROC)
            throw new ConfigException("nproc", "must be in 1.." + MAX_NPROC + ", got " + nproc);
        if (nproc > 1 && isWorker())
            throw new ConfigException("nproc", "this process already is rank " + System.getenv("RANK")
                    + " of a run started by a launcher (WORLD_SIZE=" + System.getenv("WORLD_SIZE")
                    + "); leave --nproc out there");
        if (cfg != null && nproc > cfg.promptsPerStep)
            throw new ConfigException(List.of("nproc", "prompts_per_step"), nproc + " processes need at least "
                    + nproc + " prompts per step (a prompt group never spans processes), got " + cfg.promptsPerStep);
    }

    /** Runs the workers and returns the launcher's exit code (0, or the code of the first rank that failed). */
    static int launch(int nproc, Path out) {
        List<String> args = new ArrayList<>(jvmOptions());
        args.add(Main.class.getName());
        args.addAll(withoutNproc(rawArgs));
        if (out != null) {
            args.add("--out");
            args.add(out.toString());
        }
        System.out.println("eapo4j: starting " + nproc + " worker processes (rendezvous on 127.0.0.1)");
        LocalLauncher.Result r = LocalLauncher.run(nproc, args, new LocalLauncher.Options());
        if (r.exitCode() != 0)
            System.err.println("eapo4j: rank " + r.failedRank() + " failed with exit code " + r.exitCode()
                    + "; the other ranks were stopped (their codes: " + java.util.Arrays.toString(r.exitCodes()) + ")");
        return r.exitCode();
    }

    /** The launcher JVM's heap and stack options and system properties, for the workers. */
    private static List<String> jvmOptions() {
        List<String> out = new ArrayList<>();
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (a.startsWith("-Xmx") || a.startsWith("-Xss") || a.startsWith("-Xms") || a.startsWith("-D")) out.add(a);
        return out;
    }

    /** {@code args} minus {@code --nproc N} / {@code --nproc=N}. */
    static List<String> withoutNproc(String[] args) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--nproc")) {
                i++;
                continue;
            }
            if (args[i].startsWith("--nproc=")) continue;
            out.add(args[i]);
        }
        return out;
    }

    /** This process's DistContext: from the torchrun variables when set, else a single process. */
    static DistContext openContext() {
        return isWorker() ? DistContext.open(DistEnv.fromEnvironment()) : DistContext.single();
    }

    /** Where a rank other than 0 prints its progress: nowhere (errors still go to stderr). */
    static PrintStream consoleOf(DistContext ctx) {
        return ctx.isMaster() ? System.out : new PrintStream(OutputStream.nullOutputStream());
    }
}
