package org.eapo4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.eapo4j.data.PromptRecord;
import org.eapo4j.model.Generation;
import org.eapo4j.model.SamplingConfig;
import org.eapo4j.reward.Rewards;
import org.eapo4j.reward.StoryReward;
import org.junit.jupiter.api.Test;

/**
 * elements_union_frac / elements_mean_frac of {@link PromptEvaluation} on hand-written completions (2 prompts, G = 3),
 * and that reporting them changes no other figure and draws nothing more from the random stream.
 */
class PromptEvaluationElementsTest {
    static final int G = 3;
    static final List<PromptRecord> RECORDS = List.of(
            record(0, "A cat story.", element("cat"), element("hat"), element("mat"), element("bat")),
            record(1, "A sky story.", element("sun"), element("moon"), Map.of("name", "star", "synonyms", List.of("twinkle"))));
    /** Completions in rollout order (prompt 0's three, then prompt 1's), covered elements by hand beside each. */
    static final String[] TEXTS = {
        "the cat sat",          // {cat}: 1/4
        "a hat and a cat",      // {cat, hat}: 2/4
        "nothing here",         // {}: 0        union {cat, hat} = 2/4, shares 0.25 + 0.5 + 0
        "the sun and the moon", // {sun, moon}: 2/3
        "a twinkle",            // {star}: 1/3
        "sunny moonlight",      // {} (whole words only): 0    union 3/3, shares 2/3 + 1/3 + 0
    };

    static Map<String, Object> element(String name) {
        return Map.of("name", name);
    }

    @SafeVarargs
    static PromptRecord record(int index, String prompt, Map<String, Object>... elements) {
        return new PromptRecord(index, prompt, Map.of("elements", List.of(elements)), "records", 0);
    }

    /** Returns TEXTS in order (token i decodes to TEXTS[i]) and draws from rng, as a sampling generator would. */
    static PromptEvaluation evaluation(Rewards rewards) {
        int[] next = {0};
        CompletionGenerator gen = (prompts, sampling, rngs) -> {
            int[][] out = new int[prompts.length][];
            boolean[] ended = new boolean[prompts.length];
            for (int i = 0; i < prompts.length; i++) {
                rngs[i].nextLong();
                out[i] = new int[] {next[0]++};
                ended[i] = true;
            }
            return new Generation(prompts, out, ended);
        };
        return new PromptEvaluation(gen, p -> new int[] {1}, ids -> TEXTS[ids[0]], rewards);
    }

    static final SamplingConfig SAMPLING = new SamplingConfig(1, 0, 1, 8);

    @Test
    void unionAndMeanSharesOfTheElements() {
        Map<String, Object> m = evaluation(Rewards.of(new StoryReward()))
                .evaluate(RECORDS, G, SAMPLING, new SplittableRandom(5)).metrics();
        // union: (2/4 + 3/3) / 2 prompts; mean: (0.25 + 0.5 + 0 + 2/3 + 1/3 + 0) / 6 completions
        assertEquals(0.75, (double) m.get("elements_union_frac"), 1e-12);
        assertEquals(1.75 / 6, (double) m.get("elements_mean_frac"), 1e-12);
    }

    @Test
    void theFirstCoveringTermCountsAndNothingElseChanges() {
        StoryReward story = new StoryReward();
        // a lambda around the same reward: the same scores, but no element coverage to report
        Rewards plain = Rewards.builder().reward("story", 1.0, s -> story.score(s)).build();
        Rewards covering = Rewards.builder().reward("story", 1.0, s -> story.score(s))
                .reward("elements", 0.0, story).build();
        SplittableRandom r1 = new SplittableRandom(11), r2 = new SplittableRandom(11);
        Map<String, Object> without = evaluation(plain).evaluate(RECORDS, G, SAMPLING, r1).metrics();
        Map<String, Object> with = new LinkedHashMap<>(evaluation(covering).evaluate(RECORDS, G, SAMPLING, r2).metrics());
        assertFalse(without.containsKey("elements_union_frac"));
        assertEquals(0.75, (double) with.remove("elements_union_frac"), 1e-12);
        assertEquals(1.75 / 6, (double) with.remove("elements_mean_frac"), 1e-12);
        assertEquals(with.get("rewards/story"), with.remove("rewards/elements"));   // the same reward, weight 0
        assertEquals(without, with);
        assertEquals(r1.nextLong(), r2.nextLong(), "the random stream is where it was");
    }
}
