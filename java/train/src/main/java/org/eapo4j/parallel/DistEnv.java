package org.eapo4j.parallel;

import java.time.Duration;
import java.util.Map;

/**
 * Where this process sits in a data-parallel run: its rank, the world size, the rank on this machine, the
 * rendezvous address and the timeout of the rendezvous and of every collective. Read from the torchrun conventions
 * ({@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK}, {@code MASTER_ADDR}, {@code MASTER_PORT}) plus
 * {@code EAPO4J_DIST_TIMEOUT_S} (seconds, default 60), or given explicitly.
 *
 * <p>World size 1 needs nothing else: without {@code WORLD_SIZE} (or with {@code WORLD_SIZE=1}) the run is a single
 * process and the master address and port are neither read nor checked.
 *
 * @param rank       0 .. worldSize-1; rank 0 hosts the rendezvous store
 * @param worldSize  the number of processes, at least 1
 * @param localRank  the rank among the processes on this machine (the CUDA device a rank would use)
 * @param masterAddr host name or address of rank 0 (null when worldSize is 1)
 * @param masterPort TCP port of the store on rank 0, 1..65535 (0 when worldSize is 1)
 * @param timeout    bound on the rendezvous and on each collective
 */
public record DistEnv(int rank, int worldSize, int localRank, String masterAddr, int masterPort, Duration timeout) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    public static final String TIMEOUT_VARIABLE = "EAPO4J_DIST_TIMEOUT_S";

    public DistEnv {
        if (worldSize < 1) throw new IllegalArgumentException("worldSize must be >= 1, got " + worldSize);
        if (rank < 0 || rank >= worldSize)
            throw new IllegalArgumentException("rank must be in [0, " + worldSize + "), got " + rank);
        if (localRank < 0) throw new IllegalArgumentException("localRank must be >= 0, got " + localRank);
        if (timeout == null || timeout.isNegative() || timeout.isZero() || timeout.toMillis() < 1)
            throw new IllegalArgumentException("timeout must be at least 1 ms, got " + timeout);
        if (worldSize > 1) {
            if (masterAddr == null || masterAddr.isBlank())
                throw new IllegalArgumentException("masterAddr is required when worldSize > 1");
            if (masterPort < 1 || masterPort > 65535)
                throw new IllegalArgumentException("masterPort must be in 1..65535, got " + masterPort);
        }
    }

    /** A single process: rank 0 of 1, no rendezvous. */
    public static DistEnv single() {
        return new DistEnv(0, 1, 0, null, 0, DEFAULT_TIMEOUT);
    }

    /** An explicit multi-process setting (the default timeout). */
    public static DistEnv of(int rank, int worldSize, String masterAddr, int masterPort) {
        return new DistEnv(rank, worldSize, rank, masterAddr, masterPort, DEFAULT_TIMEOUT);
    }

    public DistEnv withTimeout(Duration t) {
        return new DistEnv(rank, worldSize, localRank, masterAddr, masterPort, t);
    }

    /** From this process's environment variables. */
    public static DistEnv fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /**
     * From a map of environment variables (torchrun names). Throws {@link IllegalArgumentException} naming every
     * variable that is missing or malformed.
     */
    public static DistEnv fromEnvironment(Map<String, String> env) {
        StringBuilder problems = new StringBuilder();
        int world = parse(env, "WORLD_SIZE", 1, problems);
        Duration timeout = DEFAULT_TIMEOUT;
        String t = env.get(TIMEOUT_VARIABLE);
        if (t != null) {
            try {
                double s = Double.parseDouble(t.trim());
                if (!(s > 0) || Double.isInfinite(s)) throw new NumberFormatException();
                timeout = Duration.ofMillis(Math.max(1, Math.round(s * 1000)));
            } catch (NumberFormatException e) {
                problems.append("; ").append(TIMEOUT_VARIABLE).append("='").append(t)
                        .append("' is not a positive number of seconds");
            }
        }
        if (world == 1 && problems.length() == 0 && !env.containsKey("RANK"))
            return new DistEnv(0, 1, 0, null, 0, timeout);
        int rank = parse(env, "RANK", -1, problems);
        int local = parse(env, "LOCAL_RANK", rank < 0 ? 0 : rank, problems);
        String addr = env.get("MASTER_ADDR");
        int port = 0;
        if (world > 1) {
            if (addr == null || addr.isBlank()) problems.append("; MASTER_ADDR is not set");
            port = parse(env, "MASTER_PORT", -1, problems);
            if (port == 0 || port > 65535) problems.append("; MASTER_PORT=").append(port).append(" is not in 1..65535");
        }
        if (world < 1) problems.append("; WORLD_SIZE=").append(world).append(" must be >= 1");
        if (rank >= 0 && world >= 1 && rank >= world)
            problems.append("; RANK=").append(rank).append(" must be < WORLD_SIZE=").append(world);
        if (problems.length() > 0)
            throw new IllegalArgumentException("distributed environment is invalid: " + problems.substring(2)
                    + " (expected the torchrun variables RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT)");
        return new DistEnv(rank, world, local, world > 1 ? addr.trim() : null, world > 1 ? port : 0, timeout);
    }

    /** An integer variable; {@code fallback} when absent (a negative fallback means required). */
    private static int parse(Map<String, String> env, String name, int fallback, StringBuilder problems) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            if (fallback < 0) problems.append("; ").append(name).append(" is not set");
            return fallback;
        }
        try {
            int x = Integer.parseInt(v.trim());
            if (x < 0) {
                problems.append("; ").append(name).append("=").append(v).append(" is negative");
                return 0;
            }
            return x;
        } catch (NumberFormatException e) {
            problems.append("; ").append(name).append("='").append(v).append("' is not an integer");
            return 0;
        }
    }
}
