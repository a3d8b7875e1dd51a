package org.eapo4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@SuppressWarnings("unchecked")
class PromptDatasetTest {
    @TempDir Path dir;

    Path write(String text) throws IOException {
        return writeBytes(text.getBytes(StandardCharsets.UTF_8));
    }

    Path writeBytes(byte[] bytes) throws IOException {
        Path p = dir.resolve("p.jsonl");
        Files.write(p, bytes);
        return p;
    }

    /** Loading {@code text} fails with a message that starts FILE:LINE: and contains {@code what}. */
    void bad(String text, int line, String what) throws IOException {
        Path p = write(text);
        DataFormatException e = assertThrows(DataFormatException.class, () -> PromptDataset.fromJsonl(p));
        assertTrue(e.getMessage().startsWith(p + ":" + line + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(what), e.getMessage());
        assertEquals(line, e.line());
    }

    @Test
    void loadsPromptsFieldsIndicesAndLines() throws IOException {
        Path p = write("{\"prompt\": \"Once upon a time\", \"n\": 3, \"x\": 1.5, \"ok\": true, \"none\": null,"
                + " \"tags\": [\"a\", {\"b\": [1]}]}\n\n  \n{\"id\": \"two\", \"prompt\": \"Tim ran. \\u00e9\"}\n");
        PromptDataset d = PromptDataset.fromJsonl(p);
        assertEquals(2, d.size());
        assertEquals(p.toString(), d.source());
        PromptRecord a = d.get(0), b = d.get(1);
        assertEquals("Once upon a time", a.prompt());
        assertEquals(0, a.index());
        assertEquals(1, a.line());
        assertEquals(List.of("n", "x", "ok", "none", "tags"), List.copyOf(a.fields().keySet()));
        assertEquals(3, a.fields().get("n"));
        assertEquals(1.5, a.fields().get("x"));
        assertEquals(true, a.fields().get("ok"));
        assertTrue(a.fields().containsKey("none"));
        assertNull(a.fields().get("none"));
        assertEquals(List.of("a", Map.of("b", List.of(1))), a.fields().get("tags"));
        assertEquals("Tim ran. \u00e9", b.prompt());
        assertEquals(1, b.index());
        assertEquals(4, b.line());
        assertEquals(p + ":4", b.location());
        assertEquals(Map.of("id", "two"), b.fields());
    }

    @Test
    void fieldsAreReadOnlyAllTheWayDown() throws IOException {
        PromptRecord r = PromptDataset.fromJsonl(write("{\"prompt\": \"p\", \"l\": [[1]], \"m\": {\"k\": []}}")).get(0);
        assertThrows(UnsupportedOperationException.class, () -> r.fields().put("z", 1));
        assertThrows(UnsupportedOperationException.class, () -> ((List<Object>) r.fields().get("l")).add(2));
        assertThrows(UnsupportedOperationException.class,
                () -> ((List<Object>) ((List<?>) r.fields().get("l")).get(0)).add(2));
        assertThrows(UnsupportedOperationException.class,
                () -> ((List<Object>) ((Map<?, ?>) r.fields().get("m")).get("k")).add(2));
    }

    @Test
    void acceptsBomAndCrlf() throws IOException {
        byte[] body = "{\"prompt\": \"a\"}\r\n{\"prompt\": \"b\"}\r\n".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[body.length + 3];
        bytes[0] = (byte) 0xef;
        bytes[1] = (byte) 0xbb;
        bytes[2] = (byte) 0xbf;
        System.arraycopy(body, 0, bytes, 3, body.length);
        PromptDataset d = PromptDataset.fromJsonl(writeBytes(bytes));
        assertEquals(List.of("a", "b"), List.of(d.get(0).prompt(), d.get(1).prompt()));
    }

    @Test
    void otherPromptField() throws IOException {
        PromptDataset d = PromptDataset.fromJsonl(write("{\"question\": \"why?\", \"prompt\": 5}"), "question");
        assertEquals("why?", d.get(0).prompt());
        assertEquals(Map.of("prompt", 5), d.get(0).fields());
        assertThrows(IllegalArgumentException.class, () -> PromptDataset.fromJsonl(dir, " "));
    }

    @Test
    void badRecordsNameFileAndLine() throws IOException {
        String ok = "{\"prompt\": \"fine\"}\n";
        bad(ok + "{\"prompt\": \"x\"\n", 2, "broken JSON");
        bad(ok + ok + "{\"text\": \"x\"}\n", 3, "missing field 'prompt'");
        bad(ok + "{\"prompt\": null}\n", 2, "missing field 'prompt'");
        bad(ok + "{\"prompt\": 7}\n", 2, "'prompt' must be a string");
        bad(ok + "{\"prompt\": [\"a\"]}\n", 2, "'prompt' must be a string");
        bad(ok + "{\"prompt\": \"  \"}\n", 2, "'prompt' is blank");
        bad(ok + "[1, 2]\n", 2, "expected a JSON object");
        bad(ok + "\"just text\"\n", 2, "expected a JSON object");
        bad(ok + "{\"prompt\": \"a\"} {\"prompt\": \"b\"}\n", 2, "broken JSON");
        bad(ok + "{\"prompt\": \"a\", \"prompt\": \"b\"}\n", 2, "broken JSON");
    }

    @Test
    void nonUtf8BytesNameTheirLine() throws IOException {
        byte[] good = "{\"prompt\": \"a\"}\n{\"prompt\": \"b\"}\n{\"prompt\": \"".getBytes(StandardCharsets.US_ASCII);
        byte[] bytes = new byte[good.length + 4];
        System.arraycopy(good, 0, bytes, 0, good.length);
        bytes[good.length] = (byte) 0xc3;       // a lead byte followed by a non-continuation byte
        bytes[good.length + 1] = (byte) 0x28;
        bytes[good.length + 2] = '"';
        bytes[good.length + 3] = '}';
        Path p = writeBytes(bytes);
        DataFormatException e = assertThrows(DataFormatException.class, () -> PromptDataset.fromJsonl(p));
        assertEquals(p + ":3: not valid UTF-8 text", e.getMessage());
        // Latin-1 text, as an editor might save it.
        Path latin = writeBytes("{\"prompt\": \"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(assertThrows(DataFormatException.class, () -> PromptDataset.fromJsonl(latin)).getMessage()
                .startsWith(latin + ":1: not valid UTF-8"));
    }

    @Test
    void wholeFileProblemsAreLineZero() throws IOException {
        DataFormatException e = assertThrows(DataFormatException.class, () -> PromptDataset.fromJsonl(dir));
        assertEquals(dir + ":0: is a directory, expected a JSONL file", e.getMessage());
        Path missing = dir.resolve("nope.jsonl");
        assertEquals(missing + ":0: no such file",
                assertThrows(DataFormatException.class, () -> PromptDataset.fromJsonl(missing)).getMessage());
        bad("", 0, "no records");
        bad("\n  \n\n", 0, "no records");
    }

    @Test
    void embeddedResources() {
        PromptDataset d = PromptDataset.fromResource("stories/train.jsonl");
        assertEquals("classpath:eapo4j/data/stories/train.jsonl", d.source());
        assertTrue(d.size() >= 150);
        assertEquals(d.source() + ":1", d.get(0).location());
        DataFormatException e = assertThrows(DataFormatException.class, () -> PromptDataset.fromResource("nope.jsonl"));
        assertEquals("classpath:eapo4j/data/nope.jsonl:0: embedded data set not found", e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> d.get(d.size()));
        assertThrows(IndexOutOfBoundsException.class, () -> d.get(-1));
    }

    @Test
    void inMemoryRecordsAreCopied() {
        Map<String, Object> r0 = new HashMap<>(Map.of("prompt", "a", "k", new ArrayList<>(List.of(1))));
        PromptDataset d = PromptDataset.fromRecords(List.of(r0));
        r0.put("k2", 2);
        ((List<Object>) r0.get("k")).add(2);
        assertEquals(Map.of("k", List.of(1)), d.get(0).fields());
        assertEquals("records[0]", d.get(0).location());
        assertEquals(0, d.get(0).line());
    }

    @Test
    void badInMemoryRecordsAreIllegalArguments() {
        Map<String, Object> ok = Map.of("prompt", "a");
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> PromptDataset.fromRecords(List.of(ok, Map.of("text", "b")))).getMessage()
                .equals("records[1]: missing field 'prompt'"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> PromptDataset.fromRecords(List.of(Map.of("prompt", 3)))).getMessage()
                .equals("records[0]: 'prompt' must be a string, not Integer"));
        assertThrows(IllegalArgumentException.class, () -> PromptDataset.fromRecords(List.of(Map.of("prompt", ""))));
        assertThrows(IllegalArgumentException.class, () -> PromptDataset.fromRecords(List.of()));
        assertThrows(IllegalArgumentException.class, () -> PromptDataset.fromRecords(null));
        List<Map<String, Object>> withNull = new ArrayList<>();
        withNull.add(null);
        assertThrows(IllegalArgumentException.class, () -> PromptDataset.fromRecords(withNull));
    }
}
