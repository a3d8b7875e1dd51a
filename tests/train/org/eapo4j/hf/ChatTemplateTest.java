package org.eapo4j.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ChatTemplate wrapper: a template written for these tests in ChatML form with a default system prompt (as
 * Qwen2.5's), constructs outside the interpreter's subset failing with the construct and the file named, the
 * template's raise_exception, and the tokenizer folder supplying the template. Real models' templates are compared
 * with Python's Jinja2 in {@link ChatTemplateFixturesTest}.
 */
class ChatTemplateTest {
    @TempDir Path tmp;

    static final String CHATML = """
            {%- if messages[0]['role'] == 'system' %}
                {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
            {%- else %}
                {{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}
            {%- endif %}
            {%- for message in messages %}
                {%- if message.role == "user" or (message.role == "system" and not loop.first) %}
                    {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
                {%- elif message.role == "assistant" %}
                    {{- '<|im_start|>assistant\\n' + message.content + '<|im_end|>\\n' }}
                {%- endif %}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|im_start|>assistant\\n' }}
            {%- endif %}
            """;

    @Test
    void rendersChatMlWithDefaultAndGivenSystemPrompt() {
        ChatTemplate t = new ChatTemplate(CHATML, null, null, "<|im_end|>");
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n",
                t.render(List.of(ChatMessage.user("Hello")), true));
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n",
                t.render(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi")), false));
    }

    @Test
    void refusesConstructsOutsideTheSubsetNamingThem() {
        ChatTemplate t = new ChatTemplate("{%- for m in messages %}\n{{ m.content|wordwrap(20) }}\n{%- endfor %}",
                Path.of("tokenizer_config.json"), null, null);
        HfFormatException e = assertThrows(HfFormatException.class, () -> t.render(List.of(ChatMessage.user("x")), true));
        assertTrue(e.getMessage().contains("filter 'wordwrap'"), e.getMessage());
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        assertTrue(e.getMessage().contains("tokenizer_config.json"), e.getMessage());
        assertTrue(e.getMessage().contains("plain prompt format"), e.getMessage());
        HfFormatException include = assertThrows(HfFormatException.class, () -> new ChatTemplate(
                "{% include 'x.jinja' %}", null, null, null).render(List.of(ChatMessage.user("x")), true));
        assertTrue(include.getMessage().contains("tag 'include'"), include.getMessage());
        // literal text that looks like code is not code
        assertEquals("[Note: x]", new ChatTemplate("[Note: x]", null, null, null).render(List.of(), false));
    }

    @Test
    void renderErrorsAndRaiseExceptionFailLoudly() {
        HfFormatException raised = assertThrows(HfFormatException.class, () -> new ChatTemplate(
                "{% if messages[0].role != 'user' %}{{ raise_exception('Conversation must start with a user') }}"
                        + "{% endif %}", null, null, null).render(List.of(ChatMessage.system("s")), true));
        assertTrue(raised.getMessage().contains("Conversation must start with a user"), raised.getMessage());
        HfFormatException unknown = assertThrows(HfFormatException.class, () -> new ChatTemplate(
                "{{ messages[0].content.casefold() }}", null, null, null).render(List.of(ChatMessage.user("x")),
                true));
        assertTrue(unknown.getMessage().contains("casefold"), unknown.getMessage());
        HfFormatException undefined = assertThrows(HfFormatException.class, () -> new ChatTemplate(
                "{{ messages[0].content + nothing }}", null, null, null).render(List.of(ChatMessage.user("x")), true));
        assertTrue(undefined.getMessage().contains("'nothing' is undefined"), undefined.getMessage());
    }

    @Test
    void plainFormat() {
        assertEquals("System: Be brief.\n\nUser: Hi\n\nAssistant:",
                ChatTemplate.plain(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi")), true));
    }

    /** The tokenizer folder supplies the template, the special ids from generation_config lists, and the pad token. */
    @Test
    void tokenizerFolderSpecialIdsAndTemplate() throws Exception {
        Path stories = SharedModels.require("stories260K");
        Path dir = Files.createDirectories(tmp.resolve("tok"));
        Files.copy(stories.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        ObjectMapper om = new ObjectMapper();
        ObjectNode tc = om.createObjectNode();
        tc.put("bos_token", "<s>");
        tc.putObject("eos_token").put("content", "</s>");
        tc.put("pad_token", "<unk>");
        tc.put("chat_template", CHATML);
        om.writeValue(dir.resolve("tokenizer_config.json").toFile(), tc);
        ObjectNode gc = om.createObjectNode();
        gc.putArray("eos_token_id").add(13).add(2);
        om.writeValue(dir.resolve("generation_config.json").toFile(), gc);
        try (HfTokenizer t = HfTokenizer.load(dir)) {
            assertArrayEquals(new long[] {13, 2}, t.eosIds());
            assertEquals(0, t.padId());
            assertEquals(1, t.bosId());
            String prompt = t.chatTemplate().render(List.of(ChatMessage.user("Hi")), true);
            assertTrue(prompt.endsWith("<|im_start|>assistant\n"));
            assertTrue(t.encode(prompt, false)[0] != 1, "no BOS added to a rendered template");
            assertEquals(1, t.encode("Hi")[0]);
        }
    }
}
