package org.eapo4j.hf.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Jinja2's {@code obj.attr} (attribute first, then item) and {@code obj[key]} (item first, then attribute), with the
 * attributes Python values have: the methods of str and dict (the sandbox forbids the mutating ones), Python's
 * negative indices and slices. A missing key, index or attribute is {@link Undefined}.
 */
final class Access {
    private Access() { }

    private static final Set<String> DICT_METHODS = Set.of("clear", "copy", "fromkeys", "get", "items", "keys",
            "pop", "popitem", "setdefault", "update", "values");
    private static final Set<String> LIST_METHODS = Set.of("append", "clear", "copy", "count", "extend", "index",
            "insert", "pop", "remove", "reverse", "sort");

    static Object getattr(Object obj, String name) {
        if (obj instanceof Undefined u) throw u.fail();
        if (obj instanceof Map<?, ?> m) {
            if (DICT_METHODS.contains(name)) return dictMethod(m, name);
            Object k = Py.findKey(m, name);
            return k == Py.NO_KEY ? Undefined.attribute(obj, name) : m.get(k);
        }
        if (obj instanceof String s) {
            if (PyStrings.METHODS.contains(name)) return PyStrings.bind(s, name);
            return Undefined.attribute(obj, name);
        }
        if (obj instanceof List) {
            if (LIST_METHODS.contains(name))
                throw PyError.unsupported("method " + Py.typeName(obj) + "." + name);
            return Undefined.attribute(obj, name);
        }
        if (obj instanceof Namespace ns) {
            return ns.attrs.containsKey(name) ? ns.attrs.get(name) : Undefined.attribute(obj, name);
        }
        if (obj instanceof LoopInfo loop) return loop.attribute(name);
        if (obj == null) return Undefined.attribute(null, name);
        throw PyError.unsupported("attribute '" + name + "' of a " + Py.typeName(obj));
    }

    static Object getitem(Object obj, Object key) {
        if (obj instanceof Undefined u) throw u.fail();
        if (obj instanceof DictView d) throw PyError.type("'" + d.kind + "' object is not subscriptable");
        if (key instanceof Undefined u && !(obj instanceof Map)) throw u.fail();
        if (obj instanceof Map<?, ?> m) {
            Object k = Py.findKey(m, key);
            if (k != Py.NO_KEY) return m.get(k);
        } else if (obj instanceof List<?> l && (key instanceof Long || key instanceof Boolean)) {
            long i = Py.toLong(key);
            if (i < 0) i += l.size();
            return i >= 0 && i < l.size() ? l.get((int) i) : new Undefined(Py.typeName(obj) + " index out of range");
        } else if (obj instanceof String s && (key instanceof Long || key instanceof Boolean)) {
            long i = Py.toLong(key);
            int n = s.codePointCount(0, s.length());
            if (i < 0) i += n;
            if (i < 0 || i >= n) return new Undefined("string index out of range");
            int at = s.offsetByCodePoints(0, (int) i);
            return new String(Character.toChars(s.codePointAt(at)));
        }
        if (key instanceof String name && !(obj instanceof Map && !DICT_METHODS.contains(name))) {
            return getattr(obj, name);
        }
        if (key instanceof Double && (obj instanceof List || obj instanceof String))
            throw PyError.type("indices must be integers, not float");
        return new Undefined(Py.typeName(obj) + " has no item " + Py.repr(key));
    }

    /** Python's {@code obj[start:stop:step]} for lists, tuples and strings; null bounds are absent. */
    static Object slice(Object obj, Object start, Object stop, Object step) {
        if (obj instanceof Undefined u) throw u.fail();
        if (obj instanceof DictView d) throw PyError.type("'" + d.kind + "' object is not subscriptable");
        long st = step == null ? 1 : index(step);
        if (st == 0) throw PyError.type("slice step cannot be zero");
        List<Object> items;
        if (obj instanceof String s) items = Py.chars(s);
        else if (obj instanceof List<?> l) items = new ArrayList<>(l);
        else throw PyError.type("'" + Py.typeName(obj) + "' object is not subscriptable");
        int n = items.size();
        long a, b;
        if (st > 0) {
            a = start == null ? 0 : clamp(index(start), n, 0, n);
            b = stop == null ? n : clamp(index(stop), n, 0, n);
        } else {
            a = start == null ? n - 1 : clamp(index(start), n, -1, n - 1);
            b = stop == null ? -1 : clamp(index(stop), n, -1, n - 1);
        }
        List<Object> out = new ArrayList<>();
        for (long i = a; st > 0 ? i < b : i > b; i += st) out.add(items.get((int) i));
        if (obj instanceof String) {
            StringBuilder sb = new StringBuilder();
            for (Object o : out) sb.append((String) o);
            return sb.toString();
        }
        return obj instanceof PyTuple ? new PyTuple(out) : out;
    }

    private static long clamp(long i, int n, long lo, long hi) {
        if (i < 0) i += n;
        return Math.max(lo, Math.min(hi, i));
    }

    private static long index(Object v) {
        if (v instanceof Long || v instanceof Boolean) return Py.toLong(v);
        if (v == null) throw PyError.type("slice indices must be integers or None");
        if (v instanceof Undefined u) throw u.fail();
        throw PyError.type("slice indices must be integers or None or have an __index__ method");
    }

    private static PyCallable dictMethod(Map<?, ?> m, String name) {
        return new PyCallable() {
            @Override
            public Object call(List<Object> args, Map<String, Object> kwargs) {
                if (!kwargs.isEmpty()) throw PyError.type("dict." + name + "() takes no keyword arguments");
                switch (name) {
                    case "items" -> {
                        noArgs(args);
                        List<Object> out = new ArrayList<>();
                        for (Map.Entry<?, ?> e : m.entrySet()) out.add(PyTuple.of(e.getKey(), e.getValue()));
                        return new DictView("dict_items", out);
                    }
                    case "keys" -> {
                        noArgs(args);
                        return new DictView("dict_keys", new ArrayList<>(m.keySet()));
                    }
                    case "values" -> {
                        noArgs(args);
                        return new DictView("dict_values", new ArrayList<>(m.values()));
                    }
                    case "get" -> {
                        if (args.isEmpty() || args.size() > 2)
                            throw PyError.type("get expected 1 or 2 arguments, got " + args.size());
                        Object k = Py.findKey(m, args.get(0));
                        return k != Py.NO_KEY ? m.get(k) : args.size() == 2 ? args.get(1) : null;
                    }
                    default -> throw PyError.unsupported("method dict." + name);
                }
            }

            private void noArgs(List<Object> args) {
                if (!args.isEmpty()) throw PyError.type("dict." + name + "() takes no arguments");
            }

            @Override
            public String name() {
                return "dict." + name;
            }
        };
    }
}
