package org.eapo4j.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code eapo4j train | eval | compare | demo | generate | report | merge}: see docs/TRAINING.md. Every failure is one line on stderr
 * ({@link CliErrors}): exit code 2 for bad input (flags, config, data, checkpoints), 1 for environment failures
 * (I/O, memory) and failed runs; {@code --debug} (anywhere on the command line) adds the stack trace.
 */
@Command(name = "eapo4j", mixinStandardHelpOptions = true, version = "eapo4j 0.1.0",
        description = "EAPO / GRPO-family RL fine-tuning of a small LM on the embedded medical QA task.",
        subcommands = {TrainCommand.class, EvalCommand.class, CompareCommand.class, DemoCommand.class,
                GenerateCommand.class,
                ReportCommand.class, MergeCommand.class})
public final class Main implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Runs one command line and returns its exit code (the launcher exits with it). */
    public static int execute(String... args) {
        TrainLauncher.rawArgs = args.clone();   // train --nproc hands them to its workers
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        boolean debug = rest.remove("--debug");
        while (rest.remove("--debug")) {
            // allow repeats
        }
        CompareCommand.rawArgs = rest.toArray(String[]::new);
        CommandLine cl = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
        PrintWriter err = new PrintWriter(System.err, true);
        cl.setErr(err);
        cl.setOut(new PrintWriter(System.out, true));
        CliErrors errors = new CliErrors(debug);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> errors.report(ex, cmd.getErr(),
                cmd.getCommand() instanceof EvalCommand ? EvalCommand.FLAGS : TrainOptions.FLAGS));
        cl.setParameterExceptionHandler(errors::reportParameterError);
        try {
            return cl.execute(rest.toArray(String[]::new));
        } catch (Throwable t) {   // e.g. an Error thrown while picocli reports
            return errors.report(t, err);
        }
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }
}
