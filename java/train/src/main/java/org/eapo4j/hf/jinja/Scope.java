package org.eapo4j.hf.jinja;

import java.util.HashMap;
import java.util.Map;

/**
 * Variables visible at a point of the template. A for loop's body gets a fresh scope each iteration and a macro call
 * one of its own, so {@code set} inside them is not seen outside (Jinja2's scoping; {@code namespace} is the way
 * out); if blocks share their enclosing scope.
 */
final class Scope {
    private final Scope parent;
    private final Map<String, Object> vars = new HashMap<>();

    Scope(Scope parent) {
        this.parent = parent;
    }

    Object lookup(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            if (s.vars.containsKey(name)) return s.vars.get(name);
        }
        return Undefined.variable(name);
    }

    void set(String name, Object value) {
        vars.put(name, value);
    }
}
