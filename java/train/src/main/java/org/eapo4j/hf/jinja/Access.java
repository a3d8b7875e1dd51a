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

    /** Attributes that Python's int, float and bool have (not implemented here, so refused). */
    private static final Set<String> NUMBER_ATTRIBUTES = Set.of("real", "imag", "numerator", "denominator",
            "conjugate", "bit_length", "bit_count", "to_bytes", "from_bytes", "as_integer_ratio", "is_integer", "hex",
            "fromhex");

    /** Jinja2's getattr: the Python attribute, else the item, else Undefined. */
    static Object getattr(Object obj, String name) {
        if (obj instanceof Undefined u) throw u.fail();
        if (obj instanceof Map<?, ?> m) {
            if (DICT_METHODS.contains(name)) return dictMethod(m, name);
            Object k = Py.findKey(m, name);
            return k == Py.NO_KEY ? Undefined.attribute(obj, name) : m.get(k);
        }
        return pythonAttribute(obj, name);
    }

    /** Python's getattr(obj, name) for a non-dict, or Undefined where Python raises AttributeError. */
    private static Object pythonAttribute(Object obj, String name) {
        if (obj instanceof String s) {
            if (PyStrings.METHODS.contains(name)) return PyStrings.bind(s, name);
        } else if (obj instanceof DictView d) {
            if (d.kind.equals("range") || name.equals("mapping") || name.equals("isdisjoint"))
                throw PyError.unsupported("attribute '" + name + "' of a " + d.kind);
        } else if (obj instanceof List<?> l) {
            if (name.equals("count") || name.equals("index")) return listMethod(l, name);
            if (LIST_METHODS.contains(name)) throw PyError.unsupported("method " + Py.typeName(obj) + "." + name);
        } else if (obj instanceof Namespace ns) {
            if (ns.attrs.containsKey(name)) return ns.attrs.get(name);
        } else if (obj instanceof LoopInfo loop) {
            return loop.attribute(name);
        } else if (Py.isNumber(obj)) {
            if (NUMBER_ATTRIBUTES.contains(name)) throw PyError.unsupported("attribute '" + name + "' of a " + Py.typeName(obj));
        } else if (obj != null) {
            throw PyError.unsupported("attribute '" + name + "' of a " + Py.typeName(obj));
        }
        return Undefined.attribute(obj, name);
    }

    /** Jinja2's getitem: the item, else (for a string key) the Python attribute, else Undefined. */
    static Object getitem(Object obj, Object key) {
        if (obj instanceof Undefined u) throw u.fail();
        if (obj instanceof Map<?, ?> m && !(key instanceof List && !(key instanceof PyTuple)) && !(key instanceof Map)) {
            Object k = Py.findKey(m, key);
            if (k != Py.NO_KEY) return m.get(k);
        } else if (obj instanceof List<?> l && !(obj instanceof DictView) && (key instanceof Long || key instanceof Boolean)) {
            long i = Py.toLong(key);
            if (i < 0) i += l.size();
            if (i >= 0 && i < l.size()) return l.get((int) i);
        } else if (obj instanceof String s && (key instanceof Long || key instanceof Boolean)) {
            long i = Py.toLong(key);
            int n = s.codePointCount(0, s.length());
            if (i < 0) i += n;
            if (i >= 0 && i < n) return new String(Character.toChars(s.codePointAt(s.offsetByCodePoints(0, (int) i))));
        } else if (obj instanceof DictView d && d.kind.equals("range")) {
            throw PyError.unsupported("subscripting a range");
        }
        if (key instanceof String name) {
            if (obj instanceof Map<?, ?> m && DICT_METHODS.contains(name)) return dictMethod(m, name);
            if (!(obj instanceof Map)) return pythonAttribute(obj, name);
        }
        return new Undefined(Py.typeName(obj) + " has no item " + (key instanceof Undefined ? "Undefined" : Py.repr(key)));
    }

    /**
     * Python's {@code obj[start:stop:step]} of a list, tuple or string (null bounds are absent). Jinja2 compiles
     * slices to plain Python subscripts (not its getitem), so every failure is an error, not Undefined.
     */
    static Object slice(Object obj, Object start, Object stop, Object step) {
        if (obj instanceof Undefined u) throw u.fail();
        if (obj instanceof DictView d && d.kind.equals("range")) throw PyError.unsupported("slicing a range");
        boolean sliceable = obj instanceof String || obj instanceof List && !(obj instanceof DictView);
        if (!sliceable) throw PyError.type("'" + Py.typeName(obj) + "' object is not subscriptable");
        if (!isIndex(start) || !isIndex(stop) || !isIndex(step))
            throw PyError.type("slice indices must be integers or None or have an __index__ method");
        long st = step == null ? 1 : Py.toLong(step);
        if (st == 0) throw PyError.type("slice step cannot be zero");
        List<Object> items = obj instanceof String s ? Py.chars(s) : new ArrayList<>((List<?>) obj);
        int n = items.size();
        long a, b;
        if (st > 0) {
            a = start == null ? 0 : clamp(Py.toLong(start), n, 0, n);
            b = stop == null ? n : clamp(Py.toLong(stop), n, 0, n);
        } else {
            a = start == null ? n - 1 : clamp(Py.toLong(start), n, -1, n - 1);
            b = stop == null ? -1 : clamp(Py.toLong(stop), n, -1, n - 1);
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

    private static boolean isIndex(Object v) {
        return v == null || v instanceof Long || v instanceof Boolean;
    }

    private static long clamp(long i, int n, long lo, long hi) {
        if (i < 0) i += n;
        return Math.max(lo, Math.min(hi, i));
    }

    /** list.count / list.index (and tuple's): the methods of a list that do not change it. */
    private static PyCallable listMethod(List<?> l, String name) {
        String what = Py.typeName(l) + "." + name;
        return new PyCallable() {
            @Override
            public Object call(List<Object> args, Map<String, Object> kwargs) {
                Args a = new Args(what, args, kwargs);
                Object x = a.get(0, "value", null, true);
                if (a.size() > 1) throw PyError.unsupported(what + " with start/end");
                a.done(1);
                long n = 0;
                for (int i = 0; i < l.size(); i++) {
                    if (Py.eq(l.get(i), x)) {
                        if (name.equals("index")) return (long) i;
                        n++;
                    }
                }
                if (name.equals("index")) throw PyError.type(Py.repr(x) + " is not in " + Py.typeName(l));
                return n;
            }

            @Override
            public String name() {
                return what;
            }
        };
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
