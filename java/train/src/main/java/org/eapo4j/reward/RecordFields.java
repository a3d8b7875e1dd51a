package org.eapo4j.reward;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Typed reads of a sample's JSON fields; a missing or mistyped field is an IllegalArgumentException naming it. */
final class RecordFields {
    private RecordFields() {}

    static List<?> list(Sample s, Map<?, ?> m, String field, String where) {
        Object v = m.get(field);
        if (v == null) throw new IllegalArgumentException(s.describe() + ": missing field '" + where + field + "'");
        if (!(v instanceof List<?> l))
            throw new IllegalArgumentException(s.describe() + ": '" + where + field + "' must be an array");
        return l;
    }

    static String text(Sample s, Map<?, ?> m, String field, String where) {
        Object v = m.get(field);
        if (v == null) throw new IllegalArgumentException(s.describe() + ": missing field '" + where + field + "'");
        if (!(v instanceof String t) || t.isBlank())
            throw new IllegalArgumentException(s.describe() + ": '" + where + field + "' must be a non-blank string");
        return t;
    }

    /** The non-blank strings of an array field (blank entries dropped). */
    static List<String> strings(Sample s, Map<?, ?> m, String field, String where) {
        List<String> out = new ArrayList<>();
        for (Object e : list(s, m, field, where)) {
            if (!(e instanceof String t))
                throw new IllegalArgumentException(s.describe() + ": '" + where + field + "' must be an array of strings");
            if (!t.isBlank()) out.add(t);
        }
        return out;
    }

    static Map<?, ?> object(Sample s, Object v, String where) {
        if (!(v instanceof Map<?, ?> m)) throw new IllegalArgumentException(s.describe() + ": " + where + " must be an object");
        return m;
    }
}
