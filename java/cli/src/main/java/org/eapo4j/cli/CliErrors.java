package org.eapo4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.stream.Collectors;

import org.eapo4j.data.DataFormatException;
import org.eapo4j.parallel.DistException;
import org.eapo4j.train.CheckpointException;
import org.eapo4j.train.ConfigException;
import org.eapo4j.train.ResumePolicy;
import org.eapo4j.train.TrainingDivergedException;
import picocli.CommandLine;

/**
 * Turns every failure of a command into one line on stderr and an exit code: {@link #BAD_INPUT} for what the user
 * gave (flags, config file, data, checkpoints), {@link #FAILED} for the environment (I/O, memory) and runs that
 * failed (divergence, internal errors). Configuration errors name the flag and the JSON field. The stack trace is
 * printed only with --debug.
 */
final class CliErrors {
    static final int FAILED = 1, BAD_INPUT = 2;

    private final boolean debug;

    CliErrors(boolean debug) {
        this.debug = debug;
    }

    int report(Throwable ex, PrintWriter err) {
        return report(ex, err, TrainOptions.FLAGS);
    }

    int report(Throwable ex, PrintWriter err, Map<String, String> flags) {
        int rc;
        String msg;
        if (ex instanceof ResumePolicy.Conflict c) {
            rc = BAD_INPUT;
            msg = conflict(c, flags);
        } else if (ex instanceof ConfigException c) {
            rc = BAD_INPUT;
            msg = flagged(c, flags);
        } else if (ex instanceof DataFormatException || ex instanceof CheckpointException) {
            rc = BAD_INPUT;
            msg = ex.getMessage();
        } else if (ex instanceof org.eapo4j.reward.RewardException) {
            rc = FAILED;
            msg = ex.getMessage();
        } else if (ex instanceof DistException) {   // a rank died, hung or disagreed: the message names it
            rc = FAILED;
            msg = ex.getMessage();
        } else if (ex instanceof TrainingDivergedException) {
            rc = FAILED;
            msg = ex.getMessage();
        } else if (ex instanceof UncheckedIOException || ex instanceof IOException) {
            rc = FAILED;
            msg = ex.getMessage();
        } else if (ex instanceof IllegalArgumentException) {
            rc = BAD_INPUT;
            msg = ex.getMessage();
        } else if (ex instanceof OutOfMemoryError) {
            rc = FAILED;
            msg = "out of memory (" + ex.getMessage() + "): use a smaller model or batch, or a larger heap "
                    + "(EAPO4J_JAVA_OPTS=-Xmx...)";
        } else {
            rc = FAILED;
            msg = "internal error: " + ex.getClass().getSimpleName() + (ex.getMessage() == null ? ""
                    : ": " + ex.getMessage()) + (debug ? "" : " (rerun with --debug for the stack trace)");
        }
        err.println("eapo4j: " + oneLine(msg));
        if (debug) ex.printStackTrace(err);
        err.flush();
        return rc;
    }

    /** A flag or parameter picocli could not parse: one line and a pointer to --help. */
    int reportParameterError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("eapo4j: " + oneLine(ex.getMessage()) + " (see: " + cmd.getCommandSpec().qualifiedName()
                + " --help)");
        if (debug) ex.printStackTrace(err);
        err.flush();
        return BAD_INPUT;
    }

    /** "learning_rate: must be ..." becomes "--lr (learning_rate): must be ...". */
    static String flagged(ConfigException c, Map<String, String> flags) {
        String field = c.fields().get(0);
        return name(field, flags) + ": " + c.problem();
    }

    static String conflict(ResumePolicy.Conflict c, Map<String, String> flags) {
        String changes = c.changes().stream().map(ch -> name(ch.field(), flags) + " " + ch.from() + " -> " + ch.to())
                .collect(Collectors.joining(", "));
        String allowed = ResumePolicy.CHANGEABLE.stream().sorted().map(f -> flags.getOrDefault(f, f))
                .collect(Collectors.joining(", "));
        return "cannot resume with changed settings that fix what the run computes: " + changes
                + " (a resumed run may change only " + allowed + "; start a new run with another --out, "
                + "or with --init-from <run>/checkpoint.bin)";
    }

    private static String name(String field, Map<String, String> flags) {
        String flag = flags.get(field);
        if (flag == null) return field;
        return flag.equals("--" + field) ? flag : flag + " (" + field + ")";
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").trim();
    }
}
