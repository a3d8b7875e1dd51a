package org.eapo4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KeyPointRewardTest {
    final QaItem flu = TestData.train().items().get(0);   // 8 key points
    final KeyPointReward r = new KeyPointReward();

    @Test
    void gradedByShareOfKeyPoints() {
        assertEquals(0.0, r.reward(flu, "nothing useful here.", true), 1e-12);
        assertEquals(1.0 / 8, r.reward(flu, "fever.", true), 1e-12);
        assertEquals(3.0 / 8, r.reward(flu, "fever, cough, headache.", true), 1e-12);
        assertEquals(1.0, r.reward(flu, "fever, cough, sore throat, headache, fatigue, chills, runny nose, muscle aches.",
                true), 1e-12);
    }

    @Test
    void synonymsAndNormalisationMatch() {
        // synonym, upper case, plural
        assertEquals(3.0 / 8, r.reward(flu, "High Temperature, shivering and Headaches", true), 1e-12);
        KeyPointReward.Score s = r.score(flu, "body aches", true);
        assertEquals(1, s.covered());
        assertTrue(s.coveredMask()[7]);
    }

    @Test
    void repeatsAreCountedOnceAndPenalised() {
        KeyPointReward.Score s = r.score(flu, "fever, fever, high temperature, cough.", true);
        assertEquals(2, s.covered());
        assertEquals(2, s.repeats());
        assertEquals(2.0 / 8 - 0.2, s.reward(), 1e-12);
    }

    @Test
    void offTopicIsPenalised() {
        KeyPointReward.Score s = r.score(flu, "fever, cough, headache, jaundice.", true);
        assertEquals(1, s.offTopic());
        assertEquals(3.0 / 8 - 0.2, s.reward(), 1e-12);
        assertEquals(0.0, r.reward(flu, "fever, hair loss, toothache", true), 1e-12);   // clamped at 0
    }

    @Test
    void overlongAndTruncatedAnswersArePenalised() {
        String filler = " and".repeat(35);
        KeyPointReward.Score s = r.score(flu, "fever, cough" + filler, true);
        assertEquals(37, s.words());
        assertEquals(2.0 / 8 - 0.02 * 7, s.reward(), 1e-12);
        assertEquals(2.0 / 8 - 0.1, r.reward(flu, "fever, cough", false), 1e-12);
    }
}
