package org.eapo4j.parallel;

import java.util.Arrays;
import java.util.List;

/** {@code LauncherMain <nproc> <mainClass> <args...>}: runs {@link LocalLauncher} and exits with its code. */
public final class LauncherMain {
    public static void main(String[] args) {
        List<String> javaArgs = Arrays.asList(args).subList(1, args.length);
        System.exit(LocalLauncher.launch(Integer.parseInt(args[0]), javaArgs));
    }
}
