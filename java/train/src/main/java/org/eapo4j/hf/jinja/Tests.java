package org.eapo4j.hf.jinja;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** Jinja2's tests ({@code x is name(args)}) that templates use; any other test is refused by name. */
final class Tests {
    private Tests() { }

    static final Set<String> NAMES = Set.of("defined", "undefined", "none", "boolean", "true", "false", "integer",
            "float", "number", "string", "mapping", "iterable", "sequence", "callable", "sameas", "odd", "even",
            "divisibleby", "lower", "upper", "in", "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le",
            "<=", "gt", "greaterthan", ">", "ge", ">=");

    static boolean apply(String name, Object v, List<Object> args) {
        Args a = new Args("test " + name, args, Map.of());
        switch (name) {
            case "defined", "undefined", "none", "boolean", "true", "false", "integer", "float", "number", "string",
                    "mapping", "iterable", "sequence", "callable", "odd", "even", "lower", "upper" -> {
                a.done(0);
                return unary(name, v);
            }
            default -> { }
        }
        Object other = a.get(0, "other", null, true);
        a.done(1);
        return switch (name) {
            case "sameas" -> {
                if (v == null || other == null || v instanceof Boolean || other instanceof Boolean) yield v == other;
                throw PyError.unsupported("test 'sameas' on a " + Py.typeName(v));
            }
            case "divisibleby" -> Py.eq(Py.arithmetic("%", v, other), 0L);
            case "in" -> Py.contains(other, v);
            case "eq", "equalto", "==" -> Py.eq(v, other);
            case "ne", "!=" -> !Py.eq(v, other);
            case "lt", "lessthan", "<" -> Py.compare(v, other, "<") < 0;
            case "le", "<=" -> Py.compare(v, other, "<=") <= 0;
            case "gt", "greaterthan", ">" -> Py.compare(v, other, ">") > 0;
            case "ge", ">=" -> Py.compare(v, other, ">=") >= 0;
            default -> throw PyError.unsupported("test '" + name + "'");
        };
    }

    private static boolean unary(String name, Object v) {
        return switch (name) {
            case "defined" -> !(v instanceof Undefined);
            case "undefined" -> v instanceof Undefined;
            case "none" -> v == null;
            case "boolean" -> v instanceof Boolean;
            case "true" -> Boolean.TRUE.equals(v);
            case "false" -> Boolean.FALSE.equals(v);
            case "integer" -> v instanceof Long;
            case "float" -> v instanceof Double;
            case "number" -> Py.isNumber(v);
            case "string" -> v instanceof String;
            case "mapping" -> v instanceof Map;
            case "iterable" -> v instanceof String || v instanceof List || v instanceof Map
                    || v instanceof PyIterator || v instanceof Undefined || v instanceof LoopInfo;
            case "sequence" -> v instanceof String || (v instanceof List && !(v instanceof DictView))
                    || v instanceof DictView d && d.kind.equals("range")
                    || v instanceof Map || v instanceof Undefined;
            case "callable" -> v instanceof PyCallable || v instanceof Undefined;
            case "odd" -> Py.eq(Py.arithmetic("%", v, 2L), 1L);
            case "even" -> Py.eq(Py.arithmetic("%", v, 2L), 0L);
            case "lower" -> (Boolean) PyStrings.call(Py.str(v), "islower", new Args("islower", List.of(), Map.of()));
            case "upper" -> (Boolean) PyStrings.call(Py.str(v), "isupper", new Args("isupper", List.of(), Map.of()));
            default -> throw PyError.unsupported("test '" + name + "'");
        };
    }
}
