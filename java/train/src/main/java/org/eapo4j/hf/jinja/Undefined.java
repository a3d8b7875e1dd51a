package org.eapo4j.hf.jinja;

/**
 * Jinja2's default {@code Undefined}: a missing variable, key, attribute or index. It prints as "", is false, iterates
 * as empty, has length 0 and equals only another Undefined; any other use (arithmetic, attribute, item, call) fails
 * with the reason, as Jinja2's UndefinedError does.
 */
final class Undefined {
    final String reason;

    Undefined(String reason) {
        this.reason = reason;
    }

    PyError fail() {
        return PyError.type(reason);
    }

    static Undefined variable(String name) {
        return new Undefined("'" + name + "' is undefined");
    }

    static Undefined attribute(Object obj, Object attr) {
        return new Undefined("'" + Py.typeName(obj) + " object' has no attribute " + Py.repr(attr));
    }
}
