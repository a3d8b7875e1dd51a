package org.eapo4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.eapo4j.reward.Sample;
import org.eapo4j.reward.StoryReward;
import org.junit.jupiter.api.Test;

/** The embedded story-continuation data (data/stories) is well formed, split cleanly, and what the generator writes. */
class StoryDataTest {
    static final PromptDataset TRAIN = PromptDataset.fromResource("stories/train.jsonl");
    static final PromptDataset HELDOUT = PromptDataset.fromResource("stories/heldout.jsonl");
    static final Set<String> KINDS = Set.of("character", "object", "place");
    static final StoryReward REWARD = new StoryReward();

    static String resource(String name) throws IOException {
        try (InputStream in = StoryDataTest.class.getClassLoader().getResourceAsStream("eapo4j/data/" + name)) {
            assertNotNull(in, name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void committedFilesAreWhatTheGeneratorWrites() throws IOException {
        String[] files = StoryDataGenerator.generate();
        assertEquals(files[0], resource("stories/train.jsonl"), "rerun StoryDataGenerator (see data/stories/README.md)");
        assertEquals(files[1], resource("stories/heldout.jsonl"), "rerun StoryDataGenerator (see data/stories/README.md)");
    }

    @Test
    void sizes() {
        assertTrue(TRAIN.size() >= 150, "train has " + TRAIN.size());
        assertTrue(HELDOUT.size() >= 40, "heldout has " + HELDOUT.size());
    }

    @Test
    void everyRecordIsWellFormed() {
        Set<String> ids = new HashSet<>();
        for (PromptDataset d : List.of(TRAIN, HELDOUT))
            for (PromptRecord r : d.records()) {
                String at = r.location();
                assertEquals(Set.of("id", "elements", "off_topic"), r.fields().keySet(), at);
                assertTrue(r.fields().get("id") instanceof String id && id.matches("story-[th]\\d{3}") && ids.add(id), at);
                String p = r.prompt();
                assertTrue(p.matches("[A-Za-z ,.']+") && p.endsWith("."), at + ": plain words and sentences: " + p);
                int sentences = p.split("[.!?]").length;
                assertTrue(sentences >= 1 && sentences <= 3, at + ": " + sentences + " sentences");

                List<?> els = (List<?>) r.fields().get("elements");
                assertTrue(els.size() >= 3 && els.size() <= 6, at + ": " + els.size() + " elements");
                List<List<String>> phrases = new ArrayList<>();
                boolean character = false;
                for (Object o : els) {
                    Map<?, ?> e = (Map<?, ?>) o;
                    assertEquals(Set.of("name", "synonyms", "kind"), e.keySet(), at);
                    String name = (String) e.get("name");
                    List<?> syn = (List<?>) e.get("synonyms");
                    assertTrue(KINDS.contains((String) e.get("kind")), at + ": kind " + e.get("kind"));
                    character |= e.get("kind").equals("character");
                    assertFalse(syn.isEmpty(), at);
                    assertEquals(name, syn.get(0), at + ": synonyms start with the name");
                    assertEquals(syn.size(), new HashSet<>(syn).size(), at + ": duplicate synonym");
                    List<String> ps = new ArrayList<>();
                    for (Object s : syn) {
                        assertTrue(s instanceof String t && t.matches("[A-Za-z]+( [A-Za-z]+)?"), at + ": " + s);
                        ps.add((String) s);
                    }
                    assertTrue(ps.stream().anyMatch(s -> REWARD.mentions(p, s)),
                            at + ": the opening introduces '" + name + "'");
                    phrases.add(ps);
                }
                assertTrue(character, at + ": at least one character");
                // No phrase of one element may match inside a phrase of another ("bear" in "teddy bear").
                for (int i = 0; i < phrases.size(); i++)
                    for (int j = 0; j < phrases.size(); j++)
                        if (i != j)
                            for (String a : phrases.get(i))
                                for (String b : phrases.get(j))
                                    assertFalse(REWARD.mentions(b, a), at + ": '" + a + "' matches in '" + b + "'");
                List<?> off = (List<?>) r.fields().get("off_topic");
                assertFalse(off.isEmpty(), at);
                for (Object o : off) {
                    assertTrue(o instanceof String t && t.matches("[A-Za-z]+"), at + ": " + o);
                    assertFalse(REWARD.mentions(p, (String) o), at + ": off-topic '" + o + "' is in the opening");
                    for (List<String> ps : phrases)
                        for (String s : ps) assertFalse(REWARD.mentions(s, (String) o), at + ": " + o + " vs " + s);
                }
                // The opening itself mentions every element, so a continuation can always reach full coverage.
                StoryReward.Score s = REWARD.breakdown(Sample.of(r, p, false));
                assertEquals(s.elements(), s.mentioned(), at);
            }
    }

    static String norm(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z]+", " ").trim();
    }

    static Set<String> elementNames(PromptRecord r) {
        Set<String> s = new TreeSet<>();
        for (Object o : (List<?>) r.fields().get("elements")) s.add((String) ((Map<?, ?>) o).get("name"));
        return s;
    }

    @Test
    void heldoutOpeningsAndElementSetsAreNotInTrain() {
        Set<String> trainOpenings = new HashSet<>();
        Set<Set<String>> trainSets = new HashSet<>();
        for (PromptRecord r : TRAIN.records()) {
            assertTrue(trainOpenings.add(norm(r.prompt())), r.location() + ": duplicate opening");
            trainSets.add(elementNames(r));
        }
        Set<String> heldOpenings = new HashSet<>();
        for (PromptRecord r : HELDOUT.records()) {
            assertFalse(trainOpenings.contains(norm(r.prompt())), r.location() + ": opening also in train");
            assertTrue(heldOpenings.add(norm(r.prompt())), r.location() + ": duplicate opening");
            assertFalse(trainSets.contains(elementNames(r)), r.location() + ": element set also in train " + elementNames(r));
        }
    }

    static Set<String> words(String s) {
        return new HashSet<>(List.of(norm(s.replace("'", "")).split(" ")));
    }

    @Test
    void noTwoOpeningsAreNearDuplicates() {
        List<PromptRecord> all = new ArrayList<>(TRAIN.records());
        all.addAll(HELDOUT.records());
        double worst = 0;
        for (int i = 0; i < all.size(); i++)
            for (int j = i + 1; j < all.size(); j++) {
                Set<String> a = words(all.get(i).prompt()), b = words(all.get(j).prompt());
                Set<String> both = new HashSet<>(a);
                both.retainAll(b);
                double jac = (double) both.size() / (a.size() + b.size() - both.size());
                worst = Math.max(worst, jac);
                assertTrue(jac <= 0.7, all.get(i).location() + " and " + all.get(j).location() + " share "
                        + jac + " of their words");
            }
        assertTrue(worst > 0.3, "the check should be able to bite: closest pair shares " + worst);
    }
}
