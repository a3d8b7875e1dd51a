package org.eapo4j.hf.jinja;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(x, ensure_ascii, indent, separators, sort_keys)}, as transformers' {@code tojson} filter
 * calls it (ensure_ascii false by default): the same separators, escapes and float digits.
 */
final class PyJson {
    private final boolean ensureAscii;
    private final String indent;   // null: one line
    private final String itemSep, keySep;
    private final boolean sortKeys;

    PyJson(boolean ensureAscii, Object indent, Object separators, boolean sortKeys) {
        this.ensureAscii = ensureAscii;
        if (indent == null) this.indent = null;
        else if (indent instanceof String s) this.indent = s;
        else if (indent instanceof Long || indent instanceof Boolean) this.indent = " ".repeat((int) Math.max(0, Py.toLong(indent)));
        else throw PyError.type("tojson indent must be an int or a string, not " + Py.typeName(indent));
        if (separators == null) {
            itemSep = this.indent == null ? ", " : ",";
            keySep = ": ";
        } else if (separators instanceof List<?> l && l.size() == 2 && l.get(0) instanceof String a
                && l.get(1) instanceof String b) {
            itemSep = a;
            keySep = b;
        } else {
            throw PyError.type("tojson separators must be a pair of strings");
        }
        this.sortKeys = sortKeys;
    }

    String dumps(Object v) {
        StringBuilder sb = new StringBuilder();
        write(v, sb, 0);
        return sb.toString();
    }

    private void write(Object v, StringBuilder sb, int depth) {
        if (v == null) sb.append("null");
        else if (v instanceof Boolean b) sb.append(b ? "true" : "false");
        else if (v instanceof Long l) sb.append(l);
        else if (v instanceof Double d) sb.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d)
                ? (d > 0 ? "Infinity" : "-Infinity") : Py.floatRepr(d));
        else if (v instanceof String s) string(s, sb);
        else if (v instanceof List<?> l && !(v instanceof DictView)) {
            if (l.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                sb.append(i == 0 ? "" : itemSep);
                newline(sb, depth + 1);
                write(l.get(i), sb, depth + 1);
            }
            newline(sb, depth);
            sb.append(']');
        } else if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                sb.append("{}");
                return;
            }
            List<Map.Entry<String, Object>> entries = new ArrayList<>();
            for (Map.Entry<?, ?> e : m.entrySet()) entries.add(new AbstractMap.SimpleEntry<>(key(e.getKey()), e.getValue()));
            if (sortKeys) entries.sort((a, b) -> Py.compareCodePoints(a.getKey(), b.getKey()));
            sb.append('{');
            for (int i = 0; i < entries.size(); i++) {
                sb.append(i == 0 ? "" : itemSep);
                newline(sb, depth + 1);
                string(entries.get(i).getKey(), sb);
                sb.append(keySep);
                write(entries.get(i).getValue(), sb, depth + 1);
            }
            newline(sb, depth);
            sb.append('}');
        } else {
            throw PyError.type("Object of type " + Py.typeName(v) + " is not JSON serializable");
        }
    }

    private static String key(Object k) {
        if (k instanceof String s) return s;
        if (k == null) return "null";
        if (k instanceof Boolean b) return b ? "true" : "false";
        if (k instanceof Long l) return l.toString();
        if (k instanceof Double d) return Py.floatRepr(d);
        throw PyError.type("keys must be str, int, float, bool or None, not " + Py.typeName(k));
    }

    private void newline(StringBuilder sb, int depth) {
        if (indent != null) sb.append('\n').append(indent.repeat(depth));
    }

    private void string(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7f)) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
