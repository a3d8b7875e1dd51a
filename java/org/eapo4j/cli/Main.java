package org.eapo4j.cli;

import org.eapo4j.data.DataFormatException;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code eapo4j train | eval | compare | demo | generate}: see docs/TRAINING.md. */
@Command(name = "eapo4j", mixinStandardHelpOptions = true, version = "eapo4j 0.1.0",
        description = "EAPO / GRPO-family RL fine-tuning of a small LM on the embedded medical QA task.",
        subcommands = {TrainCommand.class, EvalCommand.class, CompareCommand.class, DemoCommand.class,
                GenerateCommand.class})
public final class Main implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Bad data or arguments: one line naming the problem (file and line for data), no stack trace. */
    private static int reportUserError(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) throws Exception {
        if (ex instanceof DataFormatException || ex instanceof IllegalArgumentException) {
            cmd.getErr().println("eapo4j: " + ex.getMessage());
            return 2;
        }
        throw ex;
    }

    public static void main(String[] args) {
        CompareCommand.rawArgs = args.clone();
        int rc = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(Main::reportUserError).execute(args);
        System.exit(rc);
    }
}
