package org.eapo4j.cli;

import java.util.concurrent.Callable;

import org.eapo4j.demo.KernelDemo;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code eapo4j demo [N] [V]}: the fused kernels on random logits, checked and timed against LibTorch. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the fused kernels on random [N, V] logits and compare with LibTorch (values and time).")
final class DemoCommand implements Callable<Integer> {
    @Parameters(index = "0", defaultValue = "1024", description = "tokens N (default ${DEFAULT-VALUE})")
    int n;

    @Parameters(index = "1", defaultValue = "32000", description = "vocabulary V (default ${DEFAULT-VALUE})")
    int v;

    @Override
    public Integer call() {
        KernelDemo.main(new String[] {Integer.toString(n), Integer.toString(v)});
        return 0;
    }
}
