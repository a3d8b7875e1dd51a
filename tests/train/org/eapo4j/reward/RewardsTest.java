package org.eapo4j.reward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class RewardsTest {
    static final String LONG_PROMPT = "Once upon a time, there was a little girl named Lily. She loved to play outside.";

    static Sample sample(int index, String completion) {
        return new Sample(index, LONG_PROMPT, completion, Map.of(), false);
    }

    static final List<Sample> GROUP = List.of(sample(5, "a"), sample(5, "bbb"), sample(5, "cc"));

    /** Completion length: a class with a name of its own. */
    static final class Length implements RewardFunction {
        @Override
        public double score(Sample s) {
            return s.completion().length();
        }
    }

    @Test
    void weightedSumAndPerTermValues() {
        Rewards r = Rewards.builder()
                .reward(0.5, new Length())
                .reward("is_b", 2.0, s -> s.completion().startsWith("b") ? 1 : 0)
                .groupReward("rank", -1.0, g -> new double[] {3, 1, 2})
                .build();
        assertEquals(List.of("Length", "is_b", "rank"), r.names());
        assertArrayEquals(new double[] {0.5, 2.0, -1.0}, r.weights());
        RewardBreakdown b = r.score(GROUP);
        assertArrayEquals(new double[] {1, 3, 2}, b.values("Length"));
        assertArrayEquals(new double[] {0, 1, 0}, b.values("is_b"));
        assertArrayEquals(new double[] {3, 1, 2}, b.values("rank"));
        // 0.5*1 + 0 - 3 = -2.5;  0.5*3 + 2 - 1 = 2.5;  0.5*2 + 0 - 2 = -1.
        assertArrayEquals(new double[] {-2.5, 2.5, -1.0}, b.total(), 1e-15);
        Map<String, Double> m = b.metrics();
        assertEquals(List.of("rewards/Length/mean", "rewards/Length/std", "rewards/is_b/mean", "rewards/is_b/std",
                "rewards/rank/mean", "rewards/rank/std", "reward", "reward_std"), List.copyOf(m.keySet()));
        assertEquals(2.0, m.get("rewards/Length/mean"), 1e-15);
        assertEquals(Math.sqrt(2.0 / 3), m.get("rewards/Length/std"), 1e-15);   // deviations -1, 1, 0
        assertEquals(-1.0 / 3, m.get("reward"), 1e-15);
        // deviations -13/6, 17/6, -4/6: (169 + 289 + 16) / 36 / 3
        assertEquals(Math.sqrt(474.0 / 108), m.get("reward_std"), 1e-14);
    }

    @Test
    void defaultNames() {
        RewardFunction lambda = s -> 1;
        Rewards r = Rewards.builder().reward(1, new Length()).reward(1, new Length()).reward(1, lambda)
                .groupReward(1, GroupRewardFunction.of(new Length())).build();
        assertEquals(List.of("Length", "Length_2", "reward_2", "reward_3"), r.names());
        assertEquals(List.of("Length"), Rewards.of(new Length()).names());
    }

    @Test
    void registrationChecks() {
        Rewards.Builder b = Rewards.builder().reward("x", 1, s -> 0);
        assertThrows(IllegalArgumentException.class, () -> b.reward("x", 1, s -> 0));
        assertThrows(IllegalArgumentException.class, () -> b.reward(" ", 1, s -> 0));
        assertThrows(IllegalArgumentException.class, () -> b.reward(Double.NaN, s -> 0));
        assertThrows(IllegalArgumentException.class, () -> b.reward(Double.POSITIVE_INFINITY, s -> 0));
        assertThrows(IllegalArgumentException.class, () -> b.reward(1, null));
        assertThrows(IllegalStateException.class, () -> Rewards.builder().build());
        Rewards r = b.build();
        assertThrows(IllegalArgumentException.class, () -> r.score(List.of()));
        assertThrows(IllegalArgumentException.class, () -> r.score(null));
    }

    @Test
    void aThrowingTermIsNamedWithTheRecordAndTheCause() {
        IllegalStateException boom = new IllegalStateException("scorer down");
        Rewards r = Rewards.builder().reward(1, new Length())
                .reward("judge", 1, s -> { if (s.completion().equals("cc")) throw boom; return 0; }).build();
        RewardException e = assertThrows(RewardException.class, () -> r.score(GROUP));
        assertEquals("judge", e.rewardName());
        assertSame(boom, e.getCause());
        String m = e.getMessage();
        assertTrue(m.startsWith("reward 'judge': "), m);
        assertTrue(m.contains("record 5 (\"Once upon a time, there was a little girl named Lily. She lo...\")"), m);
        assertTrue(m.contains("scorer down"), m);
    }

    @Test
    void nanAndInfinityAreRefused() {
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            Rewards r = Rewards.builder().reward(1, s -> bad).build();
            RewardException e = assertThrows(RewardException.class, () -> r.score(GROUP));
            assertTrue(e.getMessage().contains("reward 'reward_0'") && e.getMessage().contains("gave " + bad)
                    && e.getMessage().contains("record 5"), e.getMessage());
        }
    }

    @Test
    void groupTermsAreChecked() {
        Rewards wrongLength = Rewards.builder().groupReward("g", 1, g -> new double[] {1}).build();
        RewardException e = assertThrows(RewardException.class, () -> wrongLength.score(GROUP));
        assertTrue(e.getMessage().contains("returned 1 values for a group of 3"), e.getMessage());
        Rewards nul = Rewards.builder().groupReward("g", 1, g -> null).build();
        assertTrue(assertThrows(RewardException.class, () -> nul.score(GROUP)).getMessage().contains("returned null"));
        List<Sample> mixed = List.of(sample(1, "a"), sample(2, "b"));
        Rewards nan = Rewards.builder().groupReward("g", 1, g -> new double[] {0, Double.NaN}).build();
        e = assertThrows(RewardException.class, () -> nan.score(mixed));
        assertTrue(e.getMessage().contains("gave NaN for record 2"), e.getMessage());
        Rewards thrower = Rewards.builder().groupReward("g", 1, g -> { throw new ArithmeticException("x"); }).build();
        e = assertThrows(RewardException.class, () -> thrower.score(mixed));
        assertTrue(e.getMessage().contains("group of 2 samples from record 1"), e.getMessage());
    }

    @Test
    void groupAdapterScoresEachSample() {
        assertArrayEquals(new double[] {1, 3, 2}, GroupRewardFunction.of(new Length()).score(GROUP));
    }

    @Test
    void theGroupArrayIsCopied() {
        double[] shared = {1, 2, 3};
        Rewards r = Rewards.builder().groupReward("g", 1, g -> shared).build();
        RewardBreakdown b = r.score(GROUP);
        shared[0] = 99;
        assertArrayEquals(new double[] {1, 2, 3}, b.values("g"));
        b.total()[0] = 42;
        assertEquals(1, b.total()[0]);
    }

    @Test
    void sampleDescribesShortPromptsWhole() {
        assertEquals("record 0 (\"Hi.\\nBye.\")", new Sample(0, "Hi.\nBye.", "", Map.of(), false).describe());
    }
}
