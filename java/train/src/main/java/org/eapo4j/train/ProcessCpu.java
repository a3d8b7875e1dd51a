package org.eapo4j.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's CPU time in user and kernel mode and its minor page faults, as Linux reports them
 * (/proc/self/stat), so that metrics.jsonl can say what a step cost beyond its wall time: kernel time is mostly the
 * page faults of fresh memory. Elsewhere (no /proc) every figure is NaN.
 */
final class ProcessCpu {
    private static final Path STAT = Path.of("/proc/self/stat");
    /** /proc reports times in USER_HZ ticks, 100 per second on every Linux architecture we run on. */
    private static final double TICKS_PER_SECOND = 100;

    /** Seconds of user and system CPU time and minor page faults since the process started. */
    record Sample(double userSeconds, double systemSeconds, double minorFaults) {
        static final Sample NONE = new Sample(Double.NaN, Double.NaN, Double.NaN);
    }

    private ProcessCpu() {}

    static Sample now() {
        try {
            return parse(Files.readString(STAT));
        } catch (IOException | RuntimeException e) {   // no /proc, not allowed, or a format we do not know
            return Sample.NONE;
        }
    }

    /** A /proc/PID/stat line; throws on a malformed one. */
    static Sample parse(String stat) {
        // Fields after the parenthesised command (which may hold spaces and parentheses): state is field 3, minflt
        // 10, utime 14, stime 15 (1-based, as proc(5) numbers them).
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        return new Sample(Long.parseLong(f[11]) / TICKS_PER_SECOND, Long.parseLong(f[12]) / TICKS_PER_SECOND,
                Long.parseLong(f[7]));
    }

    /** The step's figures into its metrics record: cpu_user_s, cpu_sys_s, minor_page_faults (none where NaN). */
    static void put(java.util.Map<String, Object> m, Sample from, Sample to) {
        if (Double.isNaN(from.userSeconds()) || Double.isNaN(to.userSeconds())) return;
        m.put("cpu_user_s", to.userSeconds() - from.userSeconds());
        m.put("cpu_sys_s", to.systemSeconds() - from.systemSeconds());
        m.put("minor_page_faults", Math.round(to.minorFaults() - from.minorFaults()));
    }
}
