package org.eapo4j.hf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;

/**
 * A model's Jinja chat template rendered with jinjava, with the {@code transformers} conventions (trim_blocks,
 * lstrip_blocks, {@code messages}, {@code add_generation_prompt}, {@code bos_token}, {@code eos_token},
 * {@code raise_exception}). jinjava is not Python's Jinja: some templates (Qwen3's, for instance) use Python
 * constructs it cannot evaluate, or evaluates differently. Those are found before rendering, and any error jinjava
 * reports while rendering is one too: either way {@link #render} fails with a message naming the construct and
 * pointing at {@link #plain}, rather than returning a prompt that is silently different from the model's format.
 */
public final class ChatTemplate {
    /** Python-only constructs jinjava cannot render, or renders differently, with a name for the message. */
    private static final Map<Pattern, String> UNSUPPORTED = new LinkedHashMap<>();
    private static final Pattern CODE = Pattern.compile("\\{\\{.*?\\}\\}|\\{%.*?%\\}", Pattern.DOTALL);

    static {
        UNSUPPORTED.put(Pattern.compile("\\[\\s*-?\\w*\\s*:\\s*-?\\w*\\s*(:\\s*-?\\w*\\s*)?\\]"), "a Python slice");
        UNSUPPORTED.put(Pattern.compile("\\.(?:lstrip|rstrip|strip)\\(\\s*[^)\\s]"), "str.strip with an argument");
        UNSUPPORTED.put(Pattern.compile("\\.(?:startswith|endswith)\\("), "str.startswith/endswith");
        UNSUPPORTED.put(Pattern.compile("\\.(?:split|rsplit|splitlines)\\("), "str.split (a Java array in jinjava)");
    }

    private final String template;
    private final Path source;
    private final String bosToken, eosToken;

    /** @param source the file the template came from (for messages); bos/eos tokens may be null */
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

    /**
     * The prompt text for {@code messages}, ending with the assistant turn's opening when
     * {@code addGenerationPrompt}. Encode it without adding special tokens (the template writes its own).
     *
     * @throws HfFormatException naming the construct when the template cannot be rendered faithfully
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        Matcher code = CODE.matcher(template);   // only expressions and statements, not the literal text
        while (code.find()) {
            for (Map.Entry<Pattern, String> u : UNSUPPORTED.entrySet()) {
                Matcher m = u.getKey().matcher(code.group());
                if (m.find()) throw unsupported("uses " + u.getValue() + " `" + m.group() + "` at line "
                        + lineOf(code.start() + m.start()));
            }
        }
        // Python Jinja's semantics where jinjava has a switch for them: {{- -}} trimming, operator precedence,
        // backslashes as escapes only inside quotes, and keeping the trailing newline as Jinja does by default
        LegacyOverrides python = LegacyOverrides.newBuilder().withUseTrimmingForNotesAndExpressions(true)
                .withUseNaturalOperatorPrecedence(true).withParseWhitespaceControlStrictly(true)
                .withHandleBackslashInQuotesOnly(true).withKeepNullableLoopValues(true).build();
        Jinjava jinjava = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true)
                .withLegacyOverrides(python).withFailOnUnknownTokens(false).build());
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                ChatTemplate.class, "raiseException", String.class));
        List<Map<String, Object>> msgs = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> o = new HashMap<>();
            o.put("role", m.role());
            o.put("content", m.content());
            msgs.add(o);
        }
        Map<String, Object> ctx = new HashMap<>();
        ctx.put("messages", msgs);
        ctx.put("add_generation_prompt", addGenerationPrompt);
        ctx.put("bos_token", bosToken == null ? "" : bosToken);
        ctx.put("eos_token", eosToken == null ? "" : eosToken);
        RenderResult r;
        try {
            r = jinjava.renderForResult(template, ctx);
        } catch (RuntimeException e) {
            throw unsupported("cannot be rendered by jinjava (" + firstLine(e.getMessage()) + ")");
        }
        for (TemplateError e : r.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.WARNING) continue;
            String msg = firstLine(e.getMessage());
            if (msg.contains(TemplateRaised.MARK))
                throw new HfFormatException(where() + ": the chat template refused the messages: "
                        + msg.substring(msg.indexOf(TemplateRaised.MARK) + TemplateRaised.MARK.length()));
            String at = e.getFieldName() == null ? "" : " `" + e.getFieldName() + "`";
            throw unsupported("has" + at + " at line " + e.getLineno() + ", which jinjava reports as: " + msg);
        }
        return r.getOutput();
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

    /** Called by templates as {@code raise_exception(msg)}, as transformers provides it. */
    public static String raiseException(String message) {
        throw new TemplateRaised(message);
    }

    private HfFormatException unsupported(String what) {
        return new HfFormatException(where() + ": the chat template " + what + "; jinjava cannot render it as "
                + "Python's Jinja would, so use the plain prompt format instead (generate --chat-format plain, or "
                + "ChatTemplate.plain)");
    }

    private String where() {
        return source == null ? "chat template" : source.toString();
    }

    private int lineOf(int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) if (template.charAt(i) == '\n') line++;
        return line;
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    /** The exception raise_exception throws; jinjava reports it as a template error carrying the mark. */
    static final class TemplateRaised extends RuntimeException {
        static final String MARK = "raise_exception: ";
        private static final long serialVersionUID = 1L;

        TemplateRaised(String message) {
            super(MARK + message);
        }
    }
}
