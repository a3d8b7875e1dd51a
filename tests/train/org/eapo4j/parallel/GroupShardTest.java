package org.eapo4j.parallel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GroupShardTest {
    @Test
    void everyGroupHasExactlyOneOwnerAndSharesDifferByAtMostOne() {
        for (GroupShard.Split split : GroupShard.Split.values())
            for (int world = 1; world <= 5; world++)
                for (int groups = 0; groups <= 11; groups++) {
                    int[] owners = new int[groups];
                    java.util.Arrays.fill(owners, -1);
                    int min = Integer.MAX_VALUE, max = 0;
                    for (int r = 0; r < world; r++) {
                        GroupShard s = GroupShard.of(groups, world, r, split);
                        int[] mine = s.groups();
                        assertEquals(s.count(), mine.length);
                        min = Math.min(min, mine.length);
                        max = Math.max(max, mine.length);
                        for (int i = 0; i < mine.length; i++) {
                            String at = split + " groups=" + groups + " world=" + world + " rank=" + r;
                            assertEquals(-1, owners[mine[i]], "group " + mine[i] + " owned twice, " + at);
                            owners[mine[i]] = r;
                            assertEquals(r, s.owner(mine[i]), at);
                            assertTrue(s.owns(mine[i]), at);
                            if (i > 0 && split == GroupShard.Split.CONTIGUOUS) assertEquals(mine[i - 1] + 1, mine[i], at);
                            if (i > 0 && split == GroupShard.Split.STRIDED) assertEquals(mine[i - 1] + world, mine[i], at);
                        }
                    }
                    for (int g = 0; g < groups; g++) assertNotEquals(-1, owners[g], "group " + g + " has no owner");
                    assertTrue(max - min <= 1, "unbalanced split");
                }
    }

    @Test
    void contiguousSplitOfSevenOverThree() {
        assertArrayEquals(new int[] {0, 1, 2}, GroupShard.contiguous(7, 3, 0).groups());
        assertArrayEquals(new int[] {3, 4}, GroupShard.contiguous(7, 3, 1).groups());
        assertArrayEquals(new int[] {5, 6}, GroupShard.contiguous(7, 3, 2).groups());
        assertArrayEquals(new int[] {1, 4}, GroupShard.strided(7, 3, 1).groups());
        assertArrayEquals(new int[] {}, GroupShard.contiguous(2, 3, 2).groups());
    }

    @Test
    void groupRandomnessDependsOnSeedStepAndGroupOnly() {
        assertEquals(GroupShard.forGroup(5, 3, 2).nextLong(), GroupShard.forGroup(5, 3, 2).nextLong());
        long base = GroupShard.forGroup(5, 3, 2).nextLong();
        assertNotEquals(base, GroupShard.forGroup(6, 3, 2).nextLong());
        assertNotEquals(base, GroupShard.forGroup(5, 4, 2).nextLong());
        assertNotEquals(base, GroupShard.forGroup(5, 3, 3).nextLong());
        assertNotEquals(base, GroupShard.forGroup(5, 3, 1, 2).nextLong());
        assertNotEquals(GroupShard.forGroup(0, 1, 0).nextLong(), GroupShard.forGroup(0, 0, 1).nextLong(),
                "step and group are not interchangeable");
    }

    @Test
    void badArgumentsAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GroupShard.contiguous(4, 2, 2))
                .getMessage().contains("rank"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GroupShard.contiguous(-1, 2, 0))
                .getMessage().contains("groups"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GroupShard.contiguous(4, 2, 0).owner(4))
                .getMessage().contains("group"));
    }
}
