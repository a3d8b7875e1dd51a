package org.eapo4j.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class ConfigDiffTest {
    @Test
    void firstDifferingFieldIsNamed() {
        assertNull(ConfigDiff.firstDifference("{\"a\":1}", "{\"a\":1}"));
        assertEquals("b.c[1]: 3 vs 4", ConfigDiff.firstDifference("{\"a\":1,\"b\":{\"c\":[2,3]}}",
                "{\"a\":1,\"b\":{\"c\":[2,4]}}"));
        assertEquals("x: <absent> vs true", ConfigDiff.firstDifference("{\"a\":1}", "{\"a\":1,\"x\":true}"));
        assertEquals("line 2: b vs c", ConfigDiff.firstDifference("a\nb", "a\nc"));
    }

    @Test
    void hashIsSha256() {
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ConfigDiff.sha256("abc"));
    }
}
