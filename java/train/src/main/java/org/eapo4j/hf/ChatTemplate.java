package org.eapo4j.hf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eapo4j.hf.jinja.JinjaException;
import org.eapo4j.hf.jinja.JinjaTemplate;
import org.eapo4j.hf.jinja.TemplateRaisedException;
import org.eapo4j.hf.jinja.UnsupportedConstructException;

/**
 * A model's Jinja chat template, rendered as transformers' {@code apply_chat_template} renders it (Jinja2's sandbox
 * with trim_blocks and lstrip_blocks, {@code messages}, {@code add_generation_prompt}, {@code bos_token},
 * {@code eos_token}, {@code tools} and {@code documents} None, {@code raise_exception}, {@code strftime_now}, its
 * {@code tojson}) by eapo4j's own interpreter, {@link JinjaTemplate}. A construct outside the interpreter's subset
 * makes {@link #render} fail with a message naming it and pointing at {@link #plain}, rather than returning a prompt
 * that differs from Python's. The template is parsed on the first render and kept; rendering is thread-safe.
 */
public final class ChatTemplate {
    private final String template;
    private final Path source;
    private final String bosToken, eosToken;
    private volatile JinjaTemplate parsed;

    /** @param source the file the template came from (for messages); bos/eos tokens may be null (then undefined) */
    public ChatTemplate(String template, Path source, String bosToken, String eosToken) {
        if (template == null) throw new IllegalArgumentException("template must not be null");
        this.template = template;
        this.source = source;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
    }

    /** The template text. */
    public String text() {
        return template;
    }

    /** {@link #render(List, boolean, Map)} without template kwargs. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /**
     * The prompt text for {@code messages}, ending with the assistant turn's opening when
     * {@code addGenerationPrompt}. Encode it without adding special tokens (the template writes its own).
     *
     * @param kwargs extra template variables, as {@code apply_chat_template(..., **kwargs)} passes them, e.g.
     *     {@code enable_thinking} (Qwen3): Strings, numbers, Booleans, null, Lists and Maps
     * @throws HfFormatException naming the construct when the template cannot be rendered faithfully, with the
     *     template's message when it refuses the messages (raise_exception), or naming the error Python's Jinja
     *     would raise
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> kwargs) {
        if (messages == null) throw new IllegalArgumentException("messages must not be null");
        List<Map<String, Object>> msgs = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("role", m.role());
            o.put("content", m.content());
            msgs.add(o);
        }
        Map<String, Object> ctx = new LinkedHashMap<>();
        if (bosToken != null) ctx.put("bos_token", bosToken);
        if (eosToken != null) ctx.put("eos_token", eosToken);
        ctx.put("messages", msgs);
        ctx.put("tools", null);
        ctx.put("documents", null);
        ctx.put("add_generation_prompt", addGenerationPrompt);
        if (kwargs != null) ctx.putAll(kwargs);
        try {
            return parsed().render(ctx);
        } catch (TemplateRaisedException e) {
            throw new HfFormatException(where() + ": the chat template refused the messages: " + e.templateMessage(), e);
        } catch (UnsupportedConstructException e) {
            throw new HfFormatException(where() + ": the chat template uses " + e.construct() + " ("
                    + e.getMessage().substring(0, e.getMessage().indexOf(':')) + "), which eapo4j's Jinja interpreter "
                    + "does not render as Python's Jinja would, so use the plain prompt format instead (generate "
                    + "--chat-format plain, or ChatTemplate.plain)", e);
        } catch (JinjaException e) {
            throw new HfFormatException(where() + ": the chat template cannot be rendered: " + e.getMessage(), e);
        }
    }

    private JinjaTemplate parsed() {
        if (parsed == null) parsed = JinjaTemplate.parse(template);
        return parsed;
    }

    /**
     * The plain prompt format offered when a template cannot be rendered: "System: ...", "User: ...",
     * "Assistant: ..." paragraphs, ending with "Assistant:" when {@code addGenerationPrompt}. It is not the model's
     * trained format, only an honest stand-in.
     */
    public static String plain(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder sb = new StringBuilder();
        for (ChatMessage m : messages) {
            String role = m.role().substring(0, 1).toUpperCase() + m.role().substring(1);
            sb.append(role).append(": ").append(m.content()).append("\n\n");
        }
        if (addGenerationPrompt) sb.append("Assistant:");
        return sb.toString();
    }

    /** What a template's {@code raise_exception(msg)} does: throws {@link TemplateRaisedException}. */
    public static String raiseException(String message) {
        throw new TemplateRaisedException(message);
    }

    private String where() {
        return source == null ? "chat template" : source.toString();
    }
}
