package org.eapo4j.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eapo4j.data.PromptDataset;
import org.eapo4j.data.PromptRecord;
import org.junit.jupiter.api.Test;

/**
 * The untrained baseline of the story task, from stories260K's published greedy continuation (expected.json), and a
 * check that the embedded openings are text the model's tokenizer covers without byte fallback (the shipped model).
 */
class StoryBaselineTest {
    static final String OPENING =
            "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.";

    /** The shipped stories260K. */
    static Path model() {
        return org.eapo4j.hf.EmbeddedModels.stories260K();
    }

    static String greedyText(Path m) throws IOException {
        JsonNode e = new ObjectMapper().readTree(m.resolve("expected.json").toFile());
        JsonNode ids = e.get("greedy_from_bos_ids");
        assertEquals(1, ids.get(0).asInt(), "greedy ids start with <s>");
        // Without the leading <s>: this tokenizer.json's vocabulary spells id 1 "\n<s>\n", and decoding it with
        // skipSpecialTokens still writes that text (as the trainer would, decode completion ids only).
        long[] l = new long[ids.size() - 1];
        for (int i = 0; i < l.length; i++) l[i] = ids.get(i + 1).asLong();
        try (HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(m.resolve("tokenizer.json"))) {
            String text = tok.decode(l, true);
            assertEquals(e.get("greedy_from_bos_text").asText(), text, "decoded greedy ids = the published text");
            return text;
        }
    }

    @Test
    void greedyContinuationBaseline() throws IOException {
        String text = greedyText(model());
        assertTrue(text.startsWith(OPENING + " "));
        Map<String, Object> fields = Map.of(
                "elements", List.of(
                        Map.of("name", "Lily", "synonyms", List.of("Lily"), "kind", "character"),
                        Map.of("name", "park", "synonyms", List.of("park"), "kind", "place"),
                        Map.of("name", "ball", "synonyms", List.of("ball"), "kind", "object")),
                "off_topic", List.of("Tim", "Ben", "Sue", "Tom"));
        StoryReward reward = new StoryReward();
        // 256 tokens without a stop token: truncated.
        StoryReward.Score own = reward.breakdown(new Sample(0, OPENING, text.substring(OPENING.length()), fields, true));
        // By hand: Lily, park and ball all come back (1.0); "Lily was sad and didn't know what to do" and "I didn't
        // know what to do" each come twice (R = 2); truncated. 1 - 0.2 * 2 - 0.3 = 0.3.
        assertEquals(3, own.mentioned());
        assertEquals(2, own.repeatedSentences());
        assertEquals(0.3, own.reward(), 1e-12);

        // The same story given as the continuation of every embedded opening: a model that ignores its prompt.
        for (String file : List.of("stories/train.jsonl", "stories/heldout.jsonl")) {
            PromptDataset d = PromptDataset.fromResource(file);
            double sum = 0, coverage = 0;
            for (PromptRecord r : d.records()) {
                StoryReward.Score s = reward.breakdown(Sample.of(r, text, true));
                sum += s.reward();
                coverage += s.coverage();
            }
            double mean = sum / d.size();
            System.out.printf(Locale.ROOT, "story baseline (greedy stories260K text, prompt ignored) %s: mean reward"
                    + " %.4f, mean coverage %.4f over %d openings%n", file, mean, coverage / d.size(), d.size());
            assertTrue(mean < own.reward(), "ignoring the prompt should score below continuing it");
        }
        System.out.printf(Locale.ROOT, "story baseline (greedy stories260K text continuing its own opening):"
                + " reward %.4f (coverage %.2f, %d repeated sentences, truncated)%n", own.reward(), own.coverage(),
                own.repeatedSentences());
    }

    @Test
    void openingsNeedNoByteFallback() throws IOException {
        Path m = model();
        try (HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(m.resolve("tokenizer.json"))) {
            long tokens = 0, prompts = 0;
            for (String file : List.of("stories/train.jsonl", "stories/heldout.jsonl"))
                for (PromptRecord r : PromptDataset.fromResource(file).records()) {
                    long[] ids = tok.encode(r.prompt(), false, false).getIds();
                    for (long id : ids)
                        assertTrue(id > 258, r.location() + ": byte-fallback or special token " + id);
                    assertEquals(r.prompt(), tok.decode(ids, true), r.location());
                    tokens += ids.length;
                    prompts++;
                }
            System.out.printf(Locale.ROOT, "story openings: %.1f stories260K tokens on average%n",
                    (double) tokens / prompts);
        }
    }
}
