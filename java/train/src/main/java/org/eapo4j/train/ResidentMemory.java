package org.eapo4j.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's resident memory as Linux reports it (/proc/self/status), for the per-phase peaks of metrics.jsonl,
 * the memory check before training and the benchmarks. Elsewhere (no /proc) every figure is NaN and nothing is
 * checked.
 */
public final class ResidentMemory {
    private static final Path STATUS = Path.of("/proc/self/status"), CLEAR_REFS = Path.of("/proc/self/clear_refs");
    private static final Path MEMINFO = Path.of("/proc/meminfo");
    static final double GB = 1e9;

    private ResidentMemory() {}

    /** The largest high-water mark that {@link #takePeak} reset (NaN before the first). */
    private static double peakBeforeResets = Double.NaN;

    /**
     * The process's peak resident bytes since it started, resets by {@link #takePeak} included, or NaN. Outside tools
     * that read the kernel's high-water mark (GNU time's maximum RSS, VmHWM) see only the peak since the last reset.
     */
    public static double processPeak() {
        double now = statusField(STATUS, "VmHWM:");
        synchronized (ResidentMemory.class) {
            return Double.isNaN(peakBeforeResets) ? now : Double.isNaN(now) ? peakBeforeResets
                    : Math.max(now, peakBeforeResets);
        }
    }

    /** Bytes resident now (VmRSS), or NaN. */
    public static double current() {
        return statusField(STATUS, "VmRSS:");
    }

    /** Bytes this machine can still hand out without swapping (MemAvailable), or NaN. */
    static double available() {
        return statusField(MEMINFO, "MemAvailable:");
    }

    /** Bytes left under this process's cgroup v2 memory limit (memory.max - memory.current), or NaN when unlimited. */
    static double cgroupHeadroom() {
        try {
            Path dir = Path.of("/sys/fs/cgroup");
            String max = Files.readString(dir.resolve("memory.max")).trim();
            if (max.equals("max")) return Double.NaN;
            return Double.parseDouble(max) - Double.parseDouble(Files.readString(dir.resolve("memory.current")).trim());
        } catch (IOException | SecurityException | NumberFormatException | UnsupportedOperationException e) {
            return Double.NaN;
        }
    }

    /**
     * The peak resident bytes since the last call (VmHWM, then reset by writing 5 to clear_refs); NaN where the kernel
     * does not offer it.
     */
    public static double takePeak() {
        double peak = statusField(STATUS, "VmHWM:");
        if (Double.isNaN(peak)) return peak;
        synchronized (ResidentMemory.class) {
            if (!(peak <= peakBeforeResets)) peakBeforeResets = peak;
        }
        try {
            Files.writeString(CLEAR_REFS, "5");
        } catch (IOException | SecurityException | UnsupportedOperationException e) {
            // no reset: the next figure is the peak since the process started, still a true upper bound
        }
        return peak;
    }

    /** A "Name:   123 kB" line of a /proc file, in bytes; NaN when absent or unreadable. */
    private static double statusField(Path file, String name) {
        try {
            for (String line : Files.readAllLines(file))
                if (line.startsWith(name)) {
                    String[] parts = line.substring(name.length()).trim().split("\\s+");
                    return Double.parseDouble(parts[0]) * 1024;
                }
        } catch (IOException | SecurityException | NumberFormatException | UnsupportedOperationException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
