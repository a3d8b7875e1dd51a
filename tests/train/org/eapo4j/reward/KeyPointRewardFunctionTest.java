package org.eapo4j.reward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.eapo4j.data.KeyPoint;
import org.eapo4j.data.KeyPointReward;
import org.eapo4j.data.PromptDataset;
import org.eapo4j.data.PromptRecord;
import org.eapo4j.data.QaDataset;
import org.eapo4j.data.QaItem;
import org.junit.jupiter.api.Test;

/** The adapter gives exactly KeyPointReward's numbers on every embedded medqa question. */
class KeyPointRewardFunctionTest {
    static List<String> answers(QaItem it) {
        List<String> names = new ArrayList<>();
        for (KeyPoint kp : it.keyPoints()) names.add(kp.name());
        String ref = it.referenceAnswer();
        return List.of(ref, String.join(", ", names) + ".", ref + " " + it.offTopic().get(0) + ".",
                ref + " " + ref, "", it.keyPoints().get(0).synonyms().get(it.keyPoints().get(0).synonyms().size() - 1),
                (ref + " ").repeat(8), "I do not know.");
    }

    @Test
    void sameNumbersAsKeyPointRewardOnEmbeddedMedqa() {
        KeyPointReward reference = new KeyPointReward();
        KeyPointRewardFunction fn = new KeyPointRewardFunction(reference);
        int compared = 0;
        double sum = 0;
        for (String file : List.of(QaDataset.EMBEDDED_TRAIN, QaDataset.EMBEDDED_HELDOUT)) {
            QaDataset qa = QaDataset.loadResource(file);
            PromptDataset prompts = PromptDataset.fromResource(file, "question");
            assertEquals(qa.size(), prompts.size());
            for (int i = 0; i < qa.size(); i++) {
                QaItem it = qa.items().get(i);
                PromptRecord r = prompts.get(i);
                assertEquals(it.question(), r.prompt());
                assertEquals(it.id(), r.fields().get("id"));
                for (String a : answers(it))
                    for (boolean truncated : new boolean[] {false, true}) {
                        double want = reference.reward(it, a, !truncated);
                        assertEquals(want, fn.score(Sample.of(r, a, truncated)), 0.0, it.id() + ": " + a);
                        sum += want;
                        compared++;
                    }
            }
        }
        assertEquals((205 + 38) * 16, compared);
        assertTrue(sum > 0, "the answers should score above zero somewhere");
    }

    @Test
    void missingKeyPointsNameTheRecord() {
        KeyPointRewardFunction fn = new KeyPointRewardFunction();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> fn.score(new Sample(4, "q?", "a", Map.of("off_topic", List.of()), false)));
        assertTrue(e.getMessage().contains("record 4") && e.getMessage().contains("key_points"), e.getMessage());
    }

    @Test
    void coveredElementsAreTheKeyPointsTheRewardCounts() {
        Map<String, Object> fields = Map.of("key_points", List.of(
                Map.of("name", "fever", "synonyms", List.of("fever", "high temperature")),
                Map.of("name", "cough", "synonyms", List.of("cough")),
                Map.of("name", "rash", "synonyms", List.of("rash"))), "off_topic", List.of("headache"));
        // no penalties: the reward is covered / 3
        KeyPointRewardFunction plain = new KeyPointRewardFunction(
                new KeyPointReward(new KeyPointReward.Config(0, 0, 1000, 0, 0)));
        KeyPointRewardFunction fn = new KeyPointRewardFunction();
        Object[][] cases = {   // flags by hand: fever, cough, rash
            {"A high temperature and a dry cough.", new boolean[] {true, true, false}},
            {"Coughs, coughing and a headache.", new boolean[] {false, true, false}},   // "coughs" -> "cough"
            {"Rash, rash, fever.", new boolean[] {true, false, true}},
            {"Nothing.", new boolean[] {false, false, false}},
        };
        for (Object[] c : cases) {
            Sample s = new Sample(0, "q?", (String) c[0], fields, false);
            boolean[] got = fn.coveredElements(s);
            assertArrayEquals((boolean[]) c[1], got, (String) c[0]);
            int k = 0;
            for (boolean b : got) if (b) k++;
            assertEquals(plain.score(s), k / 3.0, 1e-12, (String) c[0]);
        }
    }
}
