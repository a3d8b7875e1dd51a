package org.eapo4j.hf.jinja;

import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A Jinja template parsed once and rendered as transformers' {@code apply_chat_template} renders chat templates: Jinja2's
 * {@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)} with the loopcontrols extension
 * ({@code break}, {@code continue}), transformers' {@code tojson} filter ({@code json.dumps} with
 * {@code ensure_ascii=False}), {@code raise_exception(msg)} and {@code strftime_now(fmt)}. Values follow Python's
 * semantics (str / int / float / bool / None / list / dict, truthiness, {@code ==}, slices, str methods).
 *
 * <p>The subset is what chat templates use: output and comments with whitespace control, {@code if / elif / else},
 * {@code for} (with {@code loop}, an {@code if} filter and {@code else}), {@code set} (also block set and
 * {@code namespace} attributes), {@code macro}, {@code filter} blocks, transformers' {@code generation} tag, and the
 * filters, tests and methods listed in {@code docs/HF_MODELS.md}. Anything else (e.g. {@code include}, {@code call},
 * a filter such as {@code wordwrap}, {@code str.casefold()}, {@code '%s' % x}) is refused with an
 * {@link UnsupportedConstructException} naming it, never rendered differently.
 */
public final class JinjaTemplate {
    private final List<Node> body;
    private final Folder folder;

    private JinjaTemplate(List<Node> body) {
        this.body = body;
        this.folder = Folder.of(body);
    }

    /**
     * @throws JinjaException on a syntax error, {@link UnsupportedConstructException} for a tag outside the subset
     */
    public static JinjaTemplate parse(String source) {
        if (source == null) throw new IllegalArgumentException("template source must not be null");
        return new JinjaTemplate(Parser.parse(source));
    }

    /** {@link #render(Map, Supplier)} with {@code strftime_now} reading the local time now. */
    public String render(Map<String, ?> context) {
        return render(context, ZonedDateTime::now);
    }

    /**
     * Renders with the template variables in {@code context}: Strings, numbers (int / long become Python ints,
     * float / double Python floats), Booleans, null (None), Lists and Maps of those (copied).
     *
     * @param now the time {@code strftime_now} formats
     * @throws TemplateRaisedException when the template calls raise_exception
     * @throws UnsupportedConstructException naming a construct outside the subset
     * @throws JinjaException where Python's Jinja2 raises (an undefined value used, a type error, ...)
     */
    public String render(Map<String, ?> context, Supplier<ZonedDateTime> now) {
        Map<String, Object> vars = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : context.entrySet()) vars.put(e.getKey(), toPython(e.getValue(), e.getKey()));
        Renderer r = new Renderer(now, folder);
        StringBuilder out = new StringBuilder();
        r.renderBody(body, r.globals(vars), out);
        return out.toString();
    }

    private static Object toPython(Object v, String path) {
        if (v == null || v instanceof String || v instanceof Boolean || v instanceof Long || v instanceof Double) return v;
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) return ((Number) v).longValue();
        if (v instanceof Float f) return f.doubleValue();
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (int i = 0; i < l.size(); i++) out.add(toPython(l.get(i), path + "[" + i + "]"));
            return out;
        }
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String k))
                    throw new IllegalArgumentException("template variable " + path + " has a non-string key " + e.getKey());
                out.put(k, toPython(e.getValue(), path + "." + k));
            }
            return out;
        }
        throw new IllegalArgumentException("template variable " + path + " is a " + v.getClass().getName()
                + "; use String, a number, Boolean, null, List or Map");
    }
}
