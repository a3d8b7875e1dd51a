package org.eapo4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

class WordTokenizerTest {
    final WordTokenizer tok = WordTokenizer.build(List.of(TestData.train(), TestData.heldout()));

    @Test
    void specialTokensComeFirst() {
        assertEquals(List.of("<pad>", "<bos>", "<sep>", "<eoa>", "<unk>"), tok.vocabulary().subList(0, 5));
        assertEquals(WordTokenizer.EOA_ID, tok.id("<eoa>"));
    }

    @Test
    void splitsWordsAndPunctuation() {
        assertEquals(List.of("what", "are", "type", "2", "symptoms", "?"), WordTokenizer.split("What are Type 2 symptoms?"));
        assertEquals(List.of("fever", ",", "cough", "."), WordTokenizer.split("fever, cough."));
    }

    @Test
    void roundTripsAndMarksUnknownWords() {
        int[] ids = tok.encode("fever, cough.");
        assertEquals("fever, cough.", tok.decode(ids));
        assertEquals(WordTokenizer.UNK_ID, tok.encode("zebra")[0]);
        int[] p = tok.encodePrompt("what are symptoms of diabetes?");
        assertEquals(WordTokenizer.BOS_ID, p[0]);
        assertEquals(WordTokenizer.SEP_ID, p[p.length - 1]);
        int[] a = tok.encodeAnswer("fever.");
        assertEquals(WordTokenizer.EOA_ID, a[a.length - 1]);
        int[] withTail = {tok.id("fever"), WordTokenizer.EOA_ID, tok.id("cough")};
        assertEquals("fever", tok.decode(withTail));   // decoding stops at the end-of-answer token
    }

    @Test
    void sameDataSameIds() {
        WordTokenizer again = WordTokenizer.build(List.of(TestData.train(), TestData.heldout()));
        assertEquals(tok.vocabulary(), again.vocabulary());
        assertArrayEquals(tok.encode("hand washing"), again.encode("hand washing"));
        assertThrows(IllegalArgumentException.class, () -> new WordTokenizer(List.of("a", "b")));
    }
}
