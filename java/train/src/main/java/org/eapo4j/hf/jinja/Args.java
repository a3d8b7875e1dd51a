package org.eapo4j.hf.jinja;

import java.util.List;
import java.util.Map;

/** The arguments of one call of a method, filter or global, read as Python binds them (positional or keyword). */
final class Args {
    private final String what;
    final List<Object> args;
    final Map<String, Object> kwargs;
    private int used;

    Args(String what, List<Object> args, Map<String, Object> kwargs) {
        this.what = what;
        this.args = args;
        this.kwargs = kwargs;
    }

    int size() {
        return args.size() + kwargs.size();
    }

    /** The argument at {@code index} or named {@code name}; {@code dflt} when absent and not required. */
    Object get(int index, String name, Object dflt, boolean required) {
        if (index < args.size()) {
            if (kwargs.containsKey(name)) throw PyError.type(what + "() got multiple values for argument '" + name + "'");
            used++;
            return args.get(index);
        }
        if (kwargs.containsKey(name)) {
            used++;
            return kwargs.get(name);
        }
        if (required) throw PyError.type(what + "() missing required argument '" + name + "'");
        return dflt;
    }

    /** Fails when more arguments were passed than the {@code max} the callee takes, or unknown keywords. */
    void done(int max) {
        if (args.size() > max) throw PyError.type(what + "() takes at most " + max + " argument(s) (" + args.size() + " given)");
        if (used < size()) throw PyError.type(what + "() got an unexpected keyword argument");
    }

    Object positional(int i) {
        if (i >= args.size()) throw PyError.type("Replacement index " + i + " out of range for positional args tuple");
        return args.get(i);
    }

    Object keyword(String name) {
        if (!kwargs.containsKey(name)) throw PyError.type("KeyError: '" + name + "'");
        return kwargs.get(name);
    }

    String str(Object v, String role) {
        if (v instanceof String s) return s;
        if (v instanceof Undefined u) throw u.fail();
        throw PyError.type(role + " must be str, not " + Py.typeName(v));
    }

    long integer(Object v, String role) {
        if (v instanceof Long || v instanceof Boolean) return Py.toLong(v);
        if (v instanceof Undefined u) throw u.fail();
        throw PyError.type(role + " must be an integer, not " + Py.typeName(v));
    }
}
