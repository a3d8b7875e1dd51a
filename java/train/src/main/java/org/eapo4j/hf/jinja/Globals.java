package org.eapo4j.hf.jinja;

import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The functions a chat template can call: Jinja2's {@code range} (limited as the sandbox limits it), {@code dict},
 * {@code namespace}, and transformers' {@code raise_exception} and {@code strftime_now}. {@code lipsum},
 * {@code cycler} and {@code joiner} are refused when called.
 */
final class Globals {
    private Globals() { }

    /** Jinja2's globals (range, dict, namespace) and transformers' (raise_exception, strftime_now). */
    static Scope scope(Supplier<ZonedDateTime> now) {
        Scope g = new Scope(null);
        g.set("range", fn("range", Globals::range));
        g.set("namespace", fn("namespace", (args, kw) -> {
            Namespace ns = new Namespace();
            if (args.size() > 1) throw PyError.type("namespace expected at most 1 positional argument");
            if (args.size() == 1) {
                if (!(args.get(0) instanceof Map<?, ?> m)) throw PyError.unsupported("namespace() from a " + Py.typeName(args.get(0)));
                for (Map.Entry<?, ?> e : m.entrySet()) ns.attrs.put(Py.str(e.getKey()), e.getValue());
            }
            ns.attrs.putAll(kw);
            return ns;
        }));
        g.set("dict", fn("dict", (args, kw) -> {
            if (!args.isEmpty()) throw PyError.unsupported("dict() with positional arguments");
            return new LinkedHashMap<Object, Object>(kw);
        }));
        g.set("raise_exception", fn("raise_exception", (args, kw) -> {
            Args a = new Args("raise_exception", args, kw);
            Object msg = a.get(0, "message", null, true);
            a.done(1);
            throw new TemplateRaisedException(Py.str(msg));
        }));
        g.set("strftime_now", fn("strftime_now", (args, kw) -> {
            Args a = new Args("strftime_now", args, kw);
            String fmt = a.str(a.get(0, "format", null, true), "format");
            a.done(1);
            return Strftime.format(fmt, now.get());
        }));
        for (String refused : List.of("lipsum", "cycler", "joiner"))
            g.set(refused, fn(refused, (args, kw) -> { throw PyError.unsupported("global function " + refused + "()"); }));
        return g;
    }

    private interface Fn {
        Object call(List<Object> args, Map<String, Object> kwargs);
    }

    private static PyCallable fn(String name, Fn f) {
        return new PyCallable() {
            @Override
            public Object call(List<Object> args, Map<String, Object> kwargs) {
                return f.call(args, kwargs);
            }

            @Override
            public String name() {
                return name;
            }
        };
    }

    private static Object range(List<Object> args, Map<String, Object> kwargs) {
        if (!kwargs.isEmpty() || args.isEmpty() || args.size() > 3) throw PyError.type("range expected 1 to 3 integer arguments");
        Args a = new Args("range", args, kwargs);
        long start = 0, stop, step = 1;
        if (args.size() == 1) {
            stop = a.integer(args.get(0), "range argument");
        } else {
            start = a.integer(args.get(0), "range argument");
            stop = a.integer(args.get(1), "range argument");
            if (args.size() == 3) step = a.integer(args.get(2), "range argument");
        }
        if (step == 0) throw PyError.type("range() arg 3 must not be zero");
        List<Object> out = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            if (out.size() >= 100_000) throw PyError.type("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
            out.add(i);
        }
        return new DictView("range", out);
    }
}
