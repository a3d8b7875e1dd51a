package org.eapo4j.hf.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The pieces of the language (whitespace control, literals, operators, slices, str methods, filters, tests, loops,
 * scoping, macros, errors), a grid of whitespace-control templates and a grid of random expressions, each a small
 * template whose output Python's Jinja2 wrote into snippets.json. Where Jinja2 raises, the Java interpreter must raise
 * too (raise_exception with the same message; an error, not a refusal, except in the expression grid, where refusing
 * a construct whose error Jinja2 reports is fine); it must never return text.
 */
class JinjaSnippetsTest {
    @TestFactory
    @SuppressWarnings("unchecked")
    List<DynamicTest> snippetsRenderAsJinja2() {
        List<Map<String, Object>> snippets = (List<Map<String, Object>>) Fixtures.json("snippets.json").get("snippets");
        assertTrue(snippets.size() > 2210, "snippets.json has " + snippets.size() + " entries");
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> s : snippets) {
            String template = (String) s.get("template");
            Map<String, Object> context = (Map<String, Object>) s.get("context");
            String name = template.length() > 60 ? template.substring(0, 60) + "..." : template;
            tests.add(DynamicTest.dynamicTest(name.replace("\n", "\\n"), () -> check(s, template, context)));
        }
        return tests;
    }

    private static void check(Map<String, Object> s, String template, Map<String, Object> context) {
        if (s.containsKey("expected")) {
            assertEquals(s.get("expected"), JinjaTemplate.parse(template).render(context, () -> Fixtures.NOW),
                    "template: " + template);
            return;
        }
        JinjaException e = assertThrows(JinjaException.class,
                () -> JinjaTemplate.parse(template).render(context, () -> Fixtures.NOW),
                "Jinja2 raised " + s.get("message"));
        if ("raised".equals(s.get("error"))) {
            assertTrue(e instanceof TemplateRaisedException, e.toString());
            assertEquals(s.get("message"), ((TemplateRaisedException) e).templateMessage());
        } else if (!Boolean.TRUE.equals(s.get("refusal_ok"))) {
            assertFalse(e instanceof UnsupportedConstructException, "Jinja2 raised " + s.get("message")
                    + ", so this is an error, not a refusal: " + e.getMessage());
        }
    }
}
