package org.eapo4j.hf.jinja;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jinja2's built-in filters that chat templates use, with Jinja2's arguments and results, and transformers'
 * {@code tojson}. Any other filter is refused by name.
 */
final class Filters {
    private Filters() { }

    private static final Pattern WORD_BEGINNING = Pattern.compile("([-\\s({\\[<]+)");

    static Object apply(String name, Object v, Args a) {
        switch (name) {
            case "safe", "string" -> {
                a.done(0);
                return name.equals("safe") && v instanceof String ? v : Py.str(v);
            }
            case "length", "count" -> {
                a.done(0);
                return Py.len(v);
            }
            case "default", "d" -> {
                Object dflt = a.get(0, "default_value", "", false);
                boolean bool = Py.truthy(a.get(1, "boolean", false, false));
                a.done(2);
                return v instanceof Undefined || (bool && !Py.truthy(v)) ? dflt : v;
            }
            case "upper", "lower", "capitalize", "title" -> {
                a.done(0);
                String s = Py.str(v);
                return switch (name) {
                    case "upper" -> s.toUpperCase(Locale.ROOT);
                    case "lower" -> s.toLowerCase(Locale.ROOT);
                    case "capitalize" -> PyStrings.capitalize(s);
                    default -> title(s);
                };
            }
            case "trim" -> {
                Object chars = a.get(0, "chars", null, false);
                a.done(1);
                return Py.strip(Py.str(v), chars == null ? null : a.str(chars, "trim chars"), true, true);
            }
            case "replace" -> {
                String old = Py.str(a.get(0, "old", null, true));
                String rep = Py.str(a.get(1, "new", null, true));
                Object count = a.get(2, "count", null, false);
                a.done(3);
                return PyStrings.replace(Py.str(v), old, rep, count == null ? -1 : a.integer(count, "count"));
            }
            case "join" -> {
                String sep = Py.str(a.get(0, "d", "", false));
                Object attr = a.get(1, "attribute", null, false);
                a.done(2);
                StringBuilder sb = new StringBuilder();
                List<Object> items = Py.iterate(v);
                for (int i = 0; i < items.size(); i++) {
                    if (i > 0) sb.append(sep);
                    sb.append(Py.str(attr == null ? items.get(i) : attribute(items.get(i), attr)));
                }
                return sb.toString();
            }
            case "list" -> {
                a.done(0);
                return Py.iterate(v);
            }
            case "first" -> {
                a.done(0);
                if (v instanceof PyIterator it) return it.hasNext() ? it.next() : new Undefined("no first item");
                List<Object> items = Py.iterate(v);
                return items.isEmpty() ? new Undefined("No first item, sequence was empty.") : items.get(0);
            }
            case "last" -> {
                a.done(0);
                if (v instanceof PyIterator) throw PyError.type("'generator' object is not reversible");
                List<Object> items = Py.iterate(v);
                return items.isEmpty() ? new Undefined("No last item, sequence was empty.") : items.get(items.size() - 1);
            }
            case "reverse" -> {
                a.done(0);
                if (v instanceof String s) return Access.slice(s, null, null, -1L);
                List<Object> items = Py.iterate(v);
                Collections.reverse(items);
                return v instanceof List && !(v instanceof DictView) || v instanceof Map ? new PyIterator(items) : items;
            }
            case "items" -> {
                a.done(0);
                if (v instanceof Undefined) return new PyIterator(new ArrayList<>());
                if (!(v instanceof Map<?, ?> m)) throw PyError.type("Can only get item pairs from a mapping.");
                List<Object> out = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) out.add(PyTuple.of(e.getKey(), e.getValue()));
                return new PyIterator(out);
            }
            case "tojson" -> {
                Object ascii = a.get(0, "ensure_ascii", false, false);
                Object indent = a.get(1, "indent", null, false);
                Object seps = a.get(2, "separators", null, false);
                Object sort = a.get(3, "sort_keys", false, false);
                a.done(4);
                return new PyJson(Py.truthy(ascii), indent, seps, Py.truthy(sort)).dumps(v);
            }
            case "int" -> {
                Object dflt = a.get(0, "default", 0L, false);
                Object base = a.get(1, "base", 10L, false);
                a.done(2);
                return toInt(v, dflt, a.integer(base, "base"));
            }
            case "float" -> {
                Object dflt = a.get(0, "default", 0.0, false);
                a.done(1);
                Double d = toFloat(v);
                return d == null ? dflt : d;
            }
            case "abs" -> {
                a.done(0);
                if (v instanceof Double d) return Math.abs(d);
                if (v instanceof Long || v instanceof Boolean) {
                    long l = Py.toLong(v);
                    return l < 0 ? Py.negate(l) : l;
                }
                throw PyError.type("bad operand type for abs(): '" + Py.typeName(v) + "'");
            }
            case "round" -> {
                long precision = a.integer(a.get(0, "precision", 0L, false), "precision");
                String method = Py.str(a.get(1, "method", "common", false));
                a.done(2);
                if (!Py.isNumber(v)) throw PyError.type("round of a " + Py.typeName(v));
                if (method.equals("common") && precision >= 0 && !(v instanceof Double)) return Py.toLong(v);
                BigDecimal x = new BigDecimal(Py.toDouble(v));
                RoundingMode mode = switch (method) {
                    case "common" -> RoundingMode.HALF_EVEN;
                    case "ceil" -> RoundingMode.CEILING;
                    case "floor" -> RoundingMode.FLOOR;
                    default -> throw PyError.type("method must be common, ceil or floor");
                };
                if (!method.equals("common")) throw PyError.unsupported("round with method '" + method + "'");
                return x.setScale((int) precision, mode).doubleValue();
            }
            case "indent" -> {
                Object width = a.get(0, "width", 4L, false);
                boolean first = Py.truthy(a.get(1, "first", false, false));
                boolean blank = Py.truthy(a.get(2, "blank", false, false));
                a.done(3);
                return indent(Py.str(v), width instanceof String s ? s : " ".repeat((int) a.integer(width, "width")),
                        first, blank);
            }
            case "map" -> {
                return new PyIterator(() -> Py.truthy(v) ? map(v, a) : new ArrayList<>());
            }
            case "select", "reject", "selectattr", "rejectattr" -> {
                return new PyIterator(() -> Py.truthy(v) ? select(name, v, a) : new ArrayList<>());
            }
            case "unique" -> {
                boolean cs = Py.truthy(a.get(0, "case_sensitive", false, false));
                Object attr = a.get(1, "attribute", null, false);
                a.done(2);
                List<Object> out = new ArrayList<>(), seen = new ArrayList<>();
                for (Object o : Py.iterate(v)) {
                    Object key = sortKey(attr == null ? o : attribute(o, attr), cs);
                    boolean dup = false;
                    for (Object s : seen) if (Py.eq(s, key)) { dup = true; break; }
                    if (!dup) {
                        seen.add(key);
                        out.add(o);
                    }
                }
                return new PyIterator(out);
            }
            case "sort" -> {
                boolean reverse = Py.truthy(a.get(0, "reverse", false, false));
                boolean cs = Py.truthy(a.get(1, "case_sensitive", false, false));
                Object attr = a.get(2, "attribute", null, false);
                a.done(3);
                List<Object> items = Py.iterate(v);
                List<Object> keys = new ArrayList<>();
                for (Object o : items) keys.add(sortKey(attr == null ? o : attribute(o, attr), cs));
                Integer[] order = new Integer[items.size()];
                for (int i = 0; i < order.length; i++) order[i] = i;
                java.util.Arrays.sort(order, (x, y) -> reverse ? Py.compare(keys.get(y), keys.get(x), "<")
                        : Py.compare(keys.get(x), keys.get(y), "<"));
                List<Object> out = new ArrayList<>();
                for (int i : order) out.add(items.get(i));
                return out;
            }
            case "dictsort" -> {
                boolean cs = Py.truthy(a.get(0, "case_sensitive", false, false));
                String by = Py.str(a.get(1, "by", "key", false));
                boolean reverse = Py.truthy(a.get(2, "reverse", false, false));
                a.done(3);
                if (!(v instanceof Map<?, ?> m)) throw PyError.type("dictsort of a " + Py.typeName(v));
                List<Object> pairs = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) pairs.add(PyTuple.of(e.getKey(), e.getValue()));
                int pos = by.equals("key") ? 0 : by.equals("value") ? 1 : -1;
                if (pos < 0) throw PyError.type("You can only sort by either \"key\" or \"value\"");
                pairs.sort((x, y) -> (reverse ? -1 : 1) * Py.compare(sortKey(((PyTuple) x).get(pos), cs),
                        sortKey(((PyTuple) y).get(pos), cs), "<"));
                return pairs;
            }
            case "sum" -> {
                Object attr = a.get(0, "attribute", null, false);
                Object start = a.get(1, "start", 0L, false);
                a.done(2);
                Object total = start;
                for (Object o : Py.iterate(v)) total = Py.arithmetic("+", total, attr == null ? o : attribute(o, attr));
                return total;
            }
            case "min", "max" -> {
                boolean cs = Py.truthy(a.get(0, "case_sensitive", false, false));
                Object attr = a.get(1, "attribute", null, false);
                a.done(2);
                Object best = null, bestKey = null;
                boolean any = false;
                for (Object o : Py.iterate(v)) {
                    Object key = sortKey(attr == null ? o : attribute(o, attr), cs);
                    if (!any || (name.equals("min") ? Py.compare(key, bestKey, "<") < 0
                            : Py.compare(key, bestKey, ">") > 0)) {
                        best = o;
                        bestKey = key;
                        any = true;
                    }
                }
                return any ? best : new Undefined("No aggregated item, sequence was empty.");
            }
            case "attr" -> {
                String attrName = a.str(a.get(0, "name", null, true), "attribute name");
                a.done(1);
                return Access.getattr(v, attrName);
            }
            case "escape", "e" -> {
                a.done(0);
                return Py.str(v).replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
                        .replace("'", "&#39;").replace("\"", "&#34;");
            }
            default -> throw PyError.unsupported("filter '" + name + "'");
        }
    }

    /** Jinja2's title filter: upper-cases the first letter of each word (words begin after -, space, brackets). */
    static String title(String s) {
        StringBuilder sb = new StringBuilder();
        Matcher m = WORD_BEGINNING.matcher(s);
        int last = 0;
        List<String> parts = new ArrayList<>();
        while (m.find()) {
            parts.add(s.substring(last, m.start()));
            parts.add(m.group());
            last = m.end();
        }
        parts.add(s.substring(last));
        for (String p : parts) {
            if (p.isEmpty()) continue;
            int c = p.codePointAt(0);
            sb.append(new String(Character.toChars(c)).toUpperCase(Locale.ROOT))
                    .append(p.substring(Character.charCount(c)).toLowerCase(Locale.ROOT));
        }
        return sb.toString();
    }

    static String indent(String s, String ind, boolean first, boolean blank) {
        s = s + "\n";
        List<String> ls = new ArrayList<>();
        for (Object o : (List<?>) PyStrings.call(s, "splitlines", new Args("splitlines", List.of(), Map.of())))
            ls.add((String) o);
        StringBuilder rv = new StringBuilder();
        if (blank) {
            rv.append(String.join("\n" + ind, ls));
        } else {
            rv.append(ls.isEmpty() ? "" : ls.get(0));
            for (int i = 1; i < ls.size(); i++) rv.append('\n').append(ls.get(i).isEmpty() ? "" : ind + ls.get(i));
        }
        return first ? ind + rv : rv.toString();
    }

    private static Object toInt(Object v, Object dflt, long base) {
        if (v instanceof Undefined u) throw u.fail();
        if (v instanceof Long) return v;
        if (v instanceof Boolean b) return b ? 1L : 0L;
        if (v instanceof Double d) return truncate(d, dflt);
        if (v instanceof String s) {
            String t = Py.strip(s, null, true, true).replace("_", "");
            if (base == 10 && t.matches("[+-]?[0-9]+") && !s.contains("__")) {
                try {
                    return Long.parseLong(t.startsWith("+") ? t.substring(1) : t);
                } catch (NumberFormatException e) {
                    throw PyError.unsupported("integer beyond 64 bits");
                }
            }
            if (base != 10) throw PyError.unsupported("int filter with base " + base);
            Double d = toFloat(v);
            return d == null ? dflt : truncate(d, dflt);
        }
        return dflt;
    }

    private static Object truncate(double d, Object dflt) {
        if (Double.isNaN(d) || Double.isInfinite(d)) throw PyError.type("cannot convert float " + Py.floatRepr(d) + " to integer");
        if (Math.abs(d) >= 9.2e18) throw PyError.unsupported("integer beyond 64 bits");
        return (long) d;
    }

    private static Double toFloat(Object v) {
        if (v instanceof Undefined u) throw u.fail();
        if (v instanceof Double d) return d;
        if (v instanceof Long || v instanceof Boolean) return (double) Py.toLong(v);
        if (v instanceof String s) {
            String t = Py.strip(s, null, true, true).replace("_", "");
            if (t.matches("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?")) return Double.parseDouble(t);
            String low = t.toLowerCase(Locale.ROOT);
            if (low.matches("[+-]?(inf|infinity|nan)")) throw PyError.unsupported("float filter on '" + s + "'");
        }
        return null;
    }

    private static Object sortKey(Object v, boolean caseSensitive) {
        return !caseSensitive && v instanceof String s ? s.toLowerCase(Locale.ROOT) : v;
    }

    /** Jinja2's attribute getter: a dotted path of item lookups ("a.b", "0"). */
    static Object attribute(Object item, Object attr) {
        if (!(attr instanceof String path)) return Access.getitem(item, attr);
        Object v = item;
        for (String part : path.split("\\.", -1)) {
            Object key = part.matches("[0-9]+") ? (Object) Long.parseLong(part) : part;
            v = Access.getitem(v, key);
        }
        return v;
    }

    private static List<Object> map(Object v, Args a) {
        List<Object> items = Py.iterate(v);
        List<Object> out = new ArrayList<>();
        if (a.args.isEmpty() && a.kwargs.containsKey("attribute")) {
            Object attr = a.kwargs.get("attribute");
            Object dflt = a.kwargs.get("default");
            for (String k : a.kwargs.keySet())
                if (!k.equals("attribute") && !k.equals("default")) throw PyError.type("Unexpected keyword argument '" + k + "'");
            for (Object o : items) {
                Object x = attribute(o, attr);
                out.add(x instanceof Undefined && a.kwargs.containsKey("default") ? dflt : x);
            }
            return out;
        }
        if (a.args.isEmpty()) throw PyError.type("map requires a filter argument");
        String filter = a.str(a.args.get(0), "filter name");
        Args rest = new Args("filter " + filter, a.args.subList(1, a.args.size()), a.kwargs);
        for (Object o : items) out.add(apply(filter, o, new Args(filter, rest.args, rest.kwargs)));
        return out;
    }

    private static List<Object> select(String name, Object v, Args a) {
        boolean attrMode = name.endsWith("attr");
        boolean keep = name.startsWith("select");
        List<Object> args = new ArrayList<>(a.args);
        if (!a.kwargs.isEmpty()) throw PyError.type(name + " takes no keyword arguments");
        Object attr = null;
        if (attrMode) {
            if (args.isEmpty()) throw PyError.type("Missing parameter for attribute name");
            attr = args.remove(0);
        }
        String test = null;
        if (!args.isEmpty()) test = a.str(args.remove(0), "test name");
        List<Object> out = new ArrayList<>();
        for (Object o : Py.iterate(v)) {
            Object x = attrMode ? attribute(o, attr) : o;
            boolean ok = test == null ? Py.truthy(x) : Tests.apply(test, x, args);
            if (ok == keep) out.add(o);
        }
        return out;
    }
}
