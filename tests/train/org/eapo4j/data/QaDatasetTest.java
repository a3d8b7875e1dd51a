package org.eapo4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QaDatasetTest {
    static final String GOOD = "{\"id\":\"a\",\"question\":\"what?\",\"key_points\":[{\"name\":\"fever\",\"synonyms\":"
            + "[\"fever\",\"pyrexia\"]}],\"off_topic\":[\"gout\"],\"reference_answer\":\"fever.\"}";

    @TempDir Path dir;

    Path write(String... lines) throws IOException {
        Path p = dir.resolve("d.jsonl");
        Files.write(p, List.of(lines));
        return p;
    }

    DataFormatException bad(String... lines) throws IOException {
        Path p = write(lines);
        DataFormatException e = assertThrows(DataFormatException.class, () -> QaDataset.load(p));
        assertTrue(e.getMessage().startsWith(p + ":"), e.getMessage());
        return e;
    }

    @Test
    void loadsStandInFileAndSkipsBlankLines() throws IOException {
        QaDataset d = TestData.train();
        assertEquals(4, d.size());
        assertEquals("flu-symptoms", d.items().get(0).id());
        assertEquals(8, d.items().get(0).keyPoints().size());
        assertEquals(List.of("fever", "high temperature"), d.items().get(0).keyPoints().get(0).synonyms());
        assertEquals(2, QaDataset.load(write(GOOD, "", GOOD.replace("\"a\"", "\"b\""))).size());
    }

    @Test
    void brokenJsonNamesFileAndLine() throws IOException {
        DataFormatException e = bad(GOOD, "{\"id\": \"b\", ", GOOD);
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("broken JSON"), e.getMessage());
    }

    @Test
    void missingFieldNamesTheField() throws IOException {
        DataFormatException e = bad(GOOD.replace("\"question\":\"what?\",", ""));
        assertEquals(1, e.line());
        assertTrue(e.getMessage().contains("missing field 'question'"), e.getMessage());
        assertTrue(bad(GOOD.replace(",\"reference_answer\":\"fever.\"", "")).getMessage()
                .contains("'reference_answer'"));
        assertTrue(bad(GOOD.replace(",\"off_topic\":[\"gout\"]", "")).getMessage().contains("'off_topic'"));
    }

    @Test
    void emptyOrMalformedKeyPoints() throws IOException {
        String empty = GOOD.replaceAll("\"key_points\":\\[.*?\\]}\\]", "\"key_points\":[]");
        DataFormatException e = bad(GOOD.replace("\"a\"", "\"x\""), empty);
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("'key_points' is empty"), e.getMessage());
        assertTrue(bad(GOOD.replace("{\"name\":\"fever\",", "{")).getMessage().contains("key_points[0].name"));
        assertTrue(bad(GOOD.replace("\"synonyms\":[\"fever\",\"pyrexia\"]", "\"synonyms\":\"fever\""))
                .getMessage().contains("must be an array"));
    }

    @Test
    void duplicateIdsAndEmptyFile() throws IOException {
        assertTrue(bad(GOOD, GOOD).getMessage().contains("duplicate id 'a'"));
        assertTrue(bad("", " ").getMessage().contains("no items"));
    }

    @Test
    void missingFileAndEmbeddedName() {
        assertThrows(DataFormatException.class, () -> QaDataset.load("no/such/file.jsonl"));
    }
}
