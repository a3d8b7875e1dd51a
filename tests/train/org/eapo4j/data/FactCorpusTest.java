package org.eapo4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The medqa fact corpus: every fact of every question, train and held-out, stated after its question, never as an answer. */
class FactCorpusTest {
    private final QaDataset train = QaDataset.load("medqa/train.jsonl"), heldout = QaDataset.load("medqa/heldout.jsonl");
    private final FactCorpus corpus = FactCorpus.of(List.of(train, heldout));

    @Test
    void statesEveryPhrasingOfEveryKeyPointTwiceAfterItsQuestion() {
        int expected = 0;
        for (QaDataset d : List.of(train, heldout))
            for (QaItem it : d.items())
                for (KeyPoint kp : it.keyPoints()) {
                    expected += 2 * kp.synonyms().size();
                    String syn = kp.synonyms().get(kp.synonyms().size() - 1);
                    assertTrue(corpus.sentences().contains(it.question() + " " + syn + " is one of them ."), syn);
                    assertTrue(corpus.sentences().contains(it.question() + " one of them is " + syn + " ."), syn);
                }
        assertEquals(expected, corpus.size());
    }

    @Test
    void heldOutFactsAreInTheCorpusButNotInTheAnswerFormat() {
        QaItem h = heldout.items().get(0);
        long facts = corpus.sentences().stream().filter(s -> s.startsWith(h.question() + " ")).count();
        assertEquals(2 * h.keyPoints().stream().mapToInt(k -> k.synonyms().size()).sum(), facts);
        WordTokenizer tok = WordTokenizer.build(List.of(train, heldout));
        for (String s : corpus.sentences()) {
            int[] ids = tok.encode(s);
            for (int id : ids) {
                assertFalse(id == WordTokenizer.UNK_ID, "a word of '" + s + "' is not in the vocabulary");
                assertFalse(id == WordTokenizer.SEP_ID, "'" + s + "' has the prompt/answer separator");
            }
            assertFalse(s.contains(","), "'" + s + "' lists several points like an answer");
        }
    }
}
