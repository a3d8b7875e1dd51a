package org.eapo4j.reward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Hand-written completions; every expected value is worked out by hand in the comment beside it. */
class StoryRewardTest {
    static final String PROMPT = "Lily and her dog went to the park. She had a teddy bear.";
    static final Map<String, Object> FIELDS = Map.of(
            "elements", List.of(
                    Map.of("name", "Lily", "synonyms", List.of("Lily"), "kind", "character"),
                    Map.of("name", "dog", "synonyms", List.of("dog", "puppy"), "kind", "character"),
                    Map.of("name", "park", "synonyms", List.of("park"), "kind", "place"),
                    Map.of("name", "teddy bear", "synonyms", List.of("teddy bear"), "kind", "object")),
            "off_topic", List.of("Tim", "Sue"));
    /** The default penalties without the minimum length, so that short hand-written completions test the rest. */
    static final StoryReward REWARD = new StoryReward(new StoryReward.Config(0.2, 0.3, 0.15, 3));

    static double score(String completion, boolean truncated) {
        return REWARD.score(new Sample(3, PROMPT, completion, FIELDS, truncated));
    }

    @Test
    void coverageCountsAnySynonymIgnoringCase() {
        // Lily, dog (as "puppy"), park (as "PARK"); no teddy bear: 3/4.
        assertEquals(0.75, score("The puppy ran to the PARK with Lily.", false), 1e-12);
        // All four, each mentioned twice (mentions are not counted twice): 4/4.
        assertEquals(1.0, score("Lily, the dog and the teddy bear played in the park. The dog and Lily ran home.",
                false), 1e-12);
    }

    @Test
    void matchesWholeWordsOnlyAndAnyWhiteSpaceInsidePhrases() {
        // "Lilyanne", "dogs", "parking" are other words; "teddy\n bear" is the phrase "teddy bear": 1/4 = 0.25,
        // minus 0.3 for truncation = -0.05. Sentences split at the line break; none repeats.
        assertEquals(-0.05, score("Lilyanne saw dogs near the parking lot. Her teddy\n bear was sad.", true), 1e-12);
        // Nor may a match start inside a word: "hotdog", "skatepark", "ATim" mention nothing.
        assertEquals(0.0, score("A hotdog near the skatepark met ATim.", false), 1e-12);
        // An apostrophe ends a word: "Lily's" mentions Lily.
        assertEquals(0.25, score("It was Lily's turn.", false), 1e-12);
    }

    @Test
    void repeatedSentencesArePenalised() {
        // Mentions Lily and teddy bear: 0.5. Repeats: "She had a teddy bear" (a prompt sentence), "Lily was happy!"
        // and "lily, was HAPPY" (same words as "Lily was happy"): R = 3; "Oh no" twice is under 3 words and is not
        // counted. 0.5 - 0.2 * 3 = -0.1.
        assertEquals(-0.1, score("She had a teddy bear. Lily was happy. Lily was happy! lily, was HAPPY. Oh no. Oh no.",
                false), 1e-12);
        // Apostrophes are dropped before comparing: "Lily's dog didn't run" equals "Lilys dog didnt run".
        // Lily and dog: 0.5 - 0.2 = 0.3.
        assertEquals(0.3, score("Lily's dog didn't run. Lilys dog didnt run.", false), 1e-12);
    }

    @Test
    void offTopicItemsArePenalisedOncePerItem() {
        // Lily: 0.25. Off-topic: Tim (twice: counted once) and Sue; "Timmy" is another word. 0.25 - 0.15 * 2 = -0.05.
        assertEquals(-0.05, score("Tim and Sue met Lily. Tim said hi. Timmy waved.", false), 1e-12);
    }

    @Test
    void truncationAndTheLowerBound() {
        assertEquals(0.0, score("", false), 1e-12);
        assertEquals(-0.3, score("", true), 1e-12);
        // "The dog ran" ten times: 0.25 - 0.2 * 9 - 0.3 = -1.85, clamped to -1.
        assertEquals(-1.0, score("The dog ran. ".repeat(10), true), 1e-12);
    }

    @Test
    void breakdownNamesTheParts() {
        StoryReward.Score s = REWARD.breakdown(new Sample(0, PROMPT, "Tim saw the dog. Tim saw the dog.", FIELDS, true));
        // dog: 0.25; R = 1; truncated; Tim: O = 1. 0.25 - 0.2 - 0.3 - 0.15 = -0.4.
        assertEquals(-0.4, s.reward(), 1e-12);
        assertEquals(1, s.mentioned());
        assertEquals(4, s.elements());
        assertEquals(List.of(false, true, false, false),
                List.of(s.mentionedMask()[0], s.mentionedMask()[1], s.mentionedMask()[2], s.mentionedMask()[3]));
        assertEquals(1, s.repeatedSentences());
        assertEquals(1, s.offTopic());
        assertTrue(s.truncated());
    }

    @Test
    void nameCountsWithoutSynonymsAndOffTopicIsOptional() {
        Map<String, Object> f = Map.of("elements", List.of(Map.of("name", "kite"), Map.of("name", "hill")));
        // kite only: 1/2.
        assertEquals(0.5, REWARD.score(new Sample(0, "A kite.", "The kite flew.", f, false)), 1e-12);
    }

    @Test
    void customWeights() {
        StoryReward r = new StoryReward(new StoryReward.Config(0.5, 1.0, 0.0, 1));
        // Lily: 0.25; "Lily" repeated, one word counts now (min 1): R = 1; Tim is free; truncated: 0.25 - 0.5 - 1.
        assertEquals(-1.0, r.score(new Sample(0, PROMPT, "Lily. Lily. Tim.", FIELDS, true)), 1e-12);
        assertEquals(-0.25, r.score(new Sample(0, PROMPT, "Lily. Lily. Tim.", FIELDS, false)), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new StoryReward.Config(-0.1, 0, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> new StoryReward.Config(0, Double.NaN, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> new StoryReward.Config(0, 0, 0, 0));
    }

    @Test
    void badFieldsNameTheRecord() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> REWARD.score(new Sample(7, PROMPT, "x", Map.of(), false)));
        assertTrue(e.getMessage().contains("record 7") && e.getMessage().contains("'elements'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> REWARD.score(
                new Sample(7, PROMPT, "x", Map.of("elements", List.of(Map.of("synonyms", List.of("a")))), false)));
        assertTrue(e.getMessage().contains("elements[0].name"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> REWARD.score(new Sample(7, PROMPT, "x", Map.of("elements", List.of()), false)));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void tooShortACompletionScoresTheFloor() {
        StoryReward dflt = new StoryReward();
        assertEquals(8, dflt.config().minCompletionWords());
        // 7 words mentioning every element and ending: would be 1.0 without the minimum
        String seven = "Lily, her dog, the park, teddy bear.";
        assertEquals(1.0, REWARD.score(new Sample(0, PROMPT, seven, FIELDS, false)), 1e-12);
        assertEquals(-1.0, dflt.score(new Sample(0, PROMPT, seven, FIELDS, false)), 1e-12);
        assertEquals(-1.0, dflt.score(new Sample(0, PROMPT, "", FIELDS, false)), 1e-12);
        // 8 words: the formula again (all 3 elements, no penalties)
        assertEquals(1.0, dflt.score(new Sample(0, PROMPT, "Lily, her dog, the park, teddy bear played.", FIELDS, false)),
                1e-12);
    }

    @Test
    void coveredElementsAreTheElementTermOfTheReward() {
        // Without penalties the reward is M / E, so the coverage flags must count to E * reward; the expected flags
        // are worked out by hand (order Lily, dog, park, teddy bear).
        StoryReward plain = new StoryReward(new StoryReward.Config(0, 0, 0, 1));
        Object[][] cases = {
            {"The puppy ran to the PARK with Lily.", new boolean[] {true, true, true, false}},
            {"Lilyanne saw dogs near the parking lot. Her teddy\n bear was sad.", new boolean[] {false, false, false, true}},
            {"Tim and Sue went home. Tim and Sue went home.", new boolean[] {false, false, false, false}},
            {"Lily's dog hugged the teddy bear in the park.", new boolean[] {true, true, true, true}},
        };
        for (Object[] c : cases) {
            String text = (String) c[0];
            for (boolean truncated : new boolean[] {false, true}) {
                Sample s = new Sample(3, PROMPT, text, FIELDS, truncated);
                boolean[] got = REWARD.coveredElements(s);
                assertArrayEquals((boolean[]) c[1], got, text);
                int k = 0;
                for (boolean b : got) if (b) k++;
                assertEquals(plain.score(s), (double) k / got.length, 1e-12, text);
                assertArrayEquals(REWARD.breakdown(s).mentionedMask(), got, text);
            }
        }
    }
}
