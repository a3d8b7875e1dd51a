package org.eapo4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import org.eapo4j.data.KeyPoint;
import org.eapo4j.data.KeyPointReward;
import org.eapo4j.data.QaDataset;
import org.eapo4j.data.QaItem;
import org.junit.jupiter.api.Test;

/** The warm-up's partial answers: k distinct key points of the question, every key point drawn in time. */
class PartialAnswerTest {
    @Test
    void kDistinctKeyPointsThatTheRewardCounts() {
        QaItem it = QaDataset.load("medqa/train.jsonl").items().get(0);
        Set<String> names = new HashSet<>(), seen = new HashSet<>();
        for (KeyPoint kp : it.keyPoints()) names.add(kp.name());
        SplittableRandom rng = new SplittableRandom(5);
        KeyPointReward reward = new KeyPointReward();
        for (int i = 0; i < 200; i++) {
            String a = org.eapo4j.task.MedqaTask.partialAnswer(it, 3, rng);
            assertTrue(a.endsWith("."), a);
            List<String> parts = List.of(a.substring(0, a.length() - 1).split(", "));
            assertEquals(3, new HashSet<>(parts).size(), a);
            assertTrue(names.containsAll(parts), a);
            seen.addAll(parts);
            // 3 of the question's k key points, no repeat, no off-topic, ended: reward 3 / k exactly
            assertEquals(3.0 / it.keyPoints().size(), reward.reward(it, a, true), 1e-12, a);
        }
        assertEquals(names, seen, "200 draws of 3 should reach every key point");
        assertEquals(it.keyPoints().size(), org.eapo4j.task.MedqaTask.partialAnswer(it, 1000, rng).split(", ").length);
    }
}
