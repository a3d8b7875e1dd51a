package org.eapo4j.parallel;

import java.util.SplittableRandom;

/**
 * Which of a step's prompt groups (the G answers to one prompt, indexed 0..groups-1) one rank rolls out and
 * trains on. A group never spans ranks, so group-relative advantages need no communication. When
 * {@code groups % worldSize != 0} the first {@code groups % worldSize} ranks own one group more; a rank may own
 * none (when groups &lt; worldSize) and must still join every collective of the step.
 *
 * <p>Randomness must not depend on the rank: draw each group's samples from {@link #forGroup(long, long, int)}, a
 * function of (seed, step, group) only, and the union of all ranks' rollouts is the same for any world size.
 */
public final class GroupShard {
    /** How groups are dealt to ranks. */
    public enum Split {
        /** rank r owns one contiguous range (rank 0 the first groups). */
        CONTIGUOUS,
        /** rank r owns groups r, r + world, r + 2 world, ... */
        STRIDED
    }

    private final int groups, worldSize, rank;
    private final Split split;

    private GroupShard(int groups, int worldSize, int rank, Split split) {
        if (groups < 0) throw new IllegalArgumentException("groups must be >= 0, got " + groups);
        if (worldSize < 1) throw new IllegalArgumentException("worldSize must be >= 1, got " + worldSize);
        if (rank < 0 || rank >= worldSize)
            throw new IllegalArgumentException("rank must be in [0, " + worldSize + "), got " + rank);
        if (split == null) throw new IllegalArgumentException("split must not be null");
        this.groups = groups;
        this.worldSize = worldSize;
        this.rank = rank;
        this.split = split;
    }

    public static GroupShard of(int groups, int worldSize, int rank, Split split) {
        return new GroupShard(groups, worldSize, rank, split);
    }

    public static GroupShard contiguous(int groups, int worldSize, int rank) {
        return new GroupShard(groups, worldSize, rank, Split.CONTIGUOUS);
    }

    public static GroupShard strided(int groups, int worldSize, int rank) {
        return new GroupShard(groups, worldSize, rank, Split.STRIDED);
    }

    /** The groups of this rank, ascending. */
    public int[] groups() {
        int[] out = new int[count()];
        for (int i = 0; i < out.length; i++)
            out[i] = split == Split.STRIDED ? rank + i * worldSize : start(rank) + i;
        return out;
    }

    /** How many groups this rank owns. */
    public int count() {
        return countOf(rank);
    }

    private int countOf(int r) {
        return groups / worldSize + (r < groups % worldSize ? 1 : 0);
    }

    /** First group of rank r under the contiguous split. */
    private int start(int r) {
        return r * (groups / worldSize) + Math.min(r, groups % worldSize);
    }

    public boolean owns(int group) {
        return owner(group) == rank;
    }

    /** The rank that owns {@code group}. */
    public int owner(int group) {
        if (group < 0 || group >= groups)
            throw new IllegalArgumentException("group must be in [0, " + groups + "), got " + group);
        if (split == Split.STRIDED) return group % worldSize;
        int base = groups / worldSize, extra = groups % worldSize, bigRanks = extra * (base + 1);
        return group < bigRanks ? group / (base + 1) : extra + (group - bigRanks) / base;
    }

    public int totalGroups() {
        return groups;
    }

    public Split split() {
        return split;
    }

    /** The random stream of one group in one step: a function of (seed, step, group), never of the rank. */
    public static SplittableRandom forGroup(long seed, long step, int group) {
        return forGroup(seed, step, 0, group);
    }

    /**
     * As {@link #forGroup(long, long, int)}, for one of several independent streams of the group (sampling,
     * minibatch order, ...).
     */
    public static SplittableRandom forGroup(long seed, long step, long stream, int group) {
        if (group < 0) throw new IllegalArgumentException("group must be >= 0, got " + group);
        long s = mix(seed) ^ mix(step * 0xC2B2AE3D27D4EB4FL + 1) ^ mix(stream * 0x165667B19E3779F9L + 2)
                ^ mix(group * 0x9E3779B97F4A7C15L + 3);
        return new SplittableRandom(s);
    }

    /** A 64-bit finaliser (MurmurHash3's fmix64): distinct inputs give unrelated seeds. */
    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return z ^ (z >>> 33);
    }
}
