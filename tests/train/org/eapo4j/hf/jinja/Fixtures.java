package org.eapo4j.hf.jinja;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The fixtures under tests/train/resources/chat-templates/, written once by its generate.py with Python's Jinja2 in
 * transformers' apply_chat_template environment: cases.json (real templates over conversations) and snippets.json
 * (small templates). An entry has "expected" (the rendered text) or "error": "raised" (raise_exception, with its
 * "message") or "error" (any other error Jinja2 raises).
 */
public final class Fixtures {
    private Fixtures() { }

    /** The time generate.py gave strftime_now. */
    public static final ZonedDateTime NOW = LocalDateTime.parse("2026-12-07T10:30:05").atZone(ZoneOffset.UTC);

    public static Map<String, Object> json(String name) {
        try (InputStream in = resource(name)) {
            return new ObjectMapper().readValue(in, new TypeReference<Map<String, Object>>() { });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String text(String name) {
        try (InputStream in = resource(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream resource(String name) {
        InputStream in = Fixtures.class.getResourceAsStream("/chat-templates/" + name);
        if (in == null) throw new IllegalStateException("missing test resource chat-templates/" + name);
        return in;
    }
}
