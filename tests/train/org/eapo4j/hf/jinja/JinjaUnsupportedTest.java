package org.eapo4j.hf.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Constructs outside the interpreter's subset are refused with an UnsupportedConstructException naming them (Python's
 * Jinja2 would render all of these), never rendered differently; bad input is an IllegalArgumentException.
 */
class JinjaUnsupportedTest {
    private static final Map<String, String> REFUSED = new LinkedHashMap<>();

    static {
        REFUSED.put("{% include 'other.jinja' %}", "tag 'include'");
        REFUSED.put("{% call m() %}x{% endcall %}", "tag 'call'");
        REFUSED.put("{% raw %}{{ x }}{% endraw %}", "tag 'raw'");
        REFUSED.put("{% for x in [1] recursive %}{% endfor %}", "recursive for loop");
        REFUSED.put("{{ 'a b'|wordwrap(3) }}", "filter 'wordwrap'");
        REFUSED.put("{{ 'a'|center(5) }}", "filter 'center'");
        REFUSED.put("{{ 'A'.casefold() }}", "method str.casefold");
        REFUSED.put("{{ 'a'.ljust(3) }}", "method str.ljust");
        REFUSED.put("{{ 'abc'.startswith('b', 1) }}", "str.startswith with start/end");
        REFUSED.put("{{ '%s!' % 'x' }}", "string formatting with '%'");
        REFUSED.put("{{ '{:>5}'.format('x') }}", "str.format field '{:>5}'");
        // a constant Jinja2 computes when compiling (its failed slice is Undefined there), so refused, not an error
        REFUSED.put("{{ 'a' % (false)[::-1] }}", "string formatting with '%'");
        REFUSED.put("{{ [1].append(2) }}", "method list.append");
        REFUSED.put("{{ x is escaped }}", "test 'escaped'");
        REFUSED.put("{{ {'a': 1}.items() }}", "printing a dict_items");
        REFUSED.put("{{ [1]|map('upper') }}", "converting a generator to a string");
        REFUSED.put("{{ loop_macro }}{% macro loop_macro() %}{% endmacro %}{{ loop_macro }}", "converting a function to a string");
        REFUSED.put("{{ strftime_now('%c') }}", "strftime directive '%c'");
        REFUSED.put("{{ 9223372036854775807 + 1 }}", "integer arithmetic beyond 64 bits");
        REFUSED.put("{{ cycler(1, 2) }}", "global function cycler()");
        REFUSED.put("{{ f(*args) }}", "'*' arguments in a call");
        REFUSED.put("{% for x in [1] %}{{ loop.depth2 }}{% endfor %}", "loop.depth2");
        REFUSED.put("{{ 1 is sameas 1 }}", "test 'sameas' on a int");
    }

    @Test
    void refusedConstructsAreNamed() {
        for (Map.Entry<String, String> r : REFUSED.entrySet()) {
            UnsupportedConstructException e = assertThrows(UnsupportedConstructException.class,
                    () -> JinjaTemplate.parse(r.getKey()).render(Map.of("x", "s")), r.getKey());
            assertEquals(r.getValue(), e.construct(), r.getKey());
            assertTrue(e.getMessage().startsWith("line 1: unsupported Jinja construct: "), e.getMessage());
        }
    }

    @Test
    void refusalOnlyWhereRendered() {
        // a refused filter in a branch not taken renders, as it does in Jinja2
        assertEquals("ok", JinjaTemplate.parse("{% if false %}{{ x|wordwrap }}{% endif %}ok").render(Map.of()));
    }

    @Test
    void badInputIsIllegalArgument() {
        assertThrows(IllegalArgumentException.class, () -> JinjaTemplate.parse(null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JinjaTemplate.parse("{{ x }}").render(Map.of("x", new Object())));
        assertTrue(e.getMessage().contains("template variable x"), e.getMessage());
        JinjaException syntax = assertThrows(JinjaException.class, () -> JinjaTemplate.parse("a\n{% if x %}"));
        assertTrue(syntax.getMessage().contains("endif"), syntax.getMessage());
        JinjaException line = assertThrows(JinjaException.class,
                () -> JinjaTemplate.parse("a\nb\n{{ 1 + 'x' }}").render(Map.of()));
        assertTrue(line.getMessage().startsWith("line 3: "), line.getMessage());
    }

    @Test
    void javaValuesBecomePythonValues() {
        Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put("i", 3);
        ctx.put("f", 1.5f);
        ctx.put("l", List.of(1, "a"));
        ctx.put("n", null);
        assertEquals("3 1.5 [1, 'a'] None True",
                JinjaTemplate.parse("{{ i }} {{ f }} {{ l }} {{ n }} {{ i is integer }}").render(ctx));
    }
}
