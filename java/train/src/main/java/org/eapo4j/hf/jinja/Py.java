package org.eapo4j.hf.jinja;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's semantics for the template values: str (String), int (Long), float (Double), bool (Boolean), None (null),
 * list (List), tuple ({@link PyTuple}), dict (Map, insertion ordered), plus {@link Undefined}, {@link Namespace},
 * {@link PyIterator} and callables. Truthiness, {@code str()}, {@code repr()}, {@code ==}, ordering, arithmetic,
 * iteration and {@code len()} as Python defines them; where Python raises, a {@link PyError}.
 */
final class Py {
    private Py() { }

    static String typeName(Object v) {
        if (v == null) return "NoneType";
        if (v instanceof String) return "str";
        if (v instanceof Boolean) return "bool";
        if (v instanceof Long) return "int";
        if (v instanceof Double) return "float";
        if (v instanceof PyTuple) return "tuple";
        if (v instanceof DictView d) return d.kind;
        if (v instanceof List) return "list";
        if (v instanceof Map) return "dict";
        if (v instanceof Undefined) return "Undefined";
        if (v instanceof Namespace) return "Namespace";
        if (v instanceof PyIterator) return "generator";
        if (v instanceof LoopInfo) return "LoopContext";
        if (v instanceof PyCallable) return "function";
        return v.getClass().getSimpleName();
    }

    static boolean truthy(Object v) {
        if (v == null) return false;
        if (v instanceof Boolean b) return b;
        if (v instanceof Long l) return l != 0;
        if (v instanceof Double d) return d != 0.0;
        if (v instanceof String s) return !s.isEmpty();
        if (v instanceof List<?> l) return !l.isEmpty();
        if (v instanceof Map<?, ?> m) return !m.isEmpty();
        if (v instanceof Undefined) return false;
        return true;
    }

    /** Python's {@code str(v)}, as {@code {{ v }}} prints it. */
    static String str(Object v) {
        if (v instanceof String s) return s;
        if (v instanceof Undefined) return "";
        if (v == null || v instanceof Boolean || v instanceof Long || v instanceof Double || v instanceof List
                || v instanceof Map) return repr(v);
        throw PyError.unsupported("converting a " + typeName(v) + " to a string");
    }

    static String repr(Object v) {
        StringBuilder sb = new StringBuilder();
        repr(v, sb);
        return sb.toString();
    }

    private static void repr(Object v, StringBuilder sb) {
        if (v instanceof DictView d) throw PyError.unsupported("printing a " + d.kind);
        if (v == null) sb.append("None");
        else if (v instanceof Boolean b) sb.append(b ? "True" : "False");
        else if (v instanceof Long l) sb.append(l);
        else if (v instanceof Double d) sb.append(floatRepr(d));
        else if (v instanceof String s) strRepr(s, sb);
        else if (v instanceof PyTuple t) {
            sb.append('(');
            for (int i = 0; i < t.size(); i++) {
                if (i > 0) sb.append(", ");
                repr(t.get(i), sb);
            }
            sb.append(t.size() == 1 ? ",)" : ")");
        } else if (v instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) sb.append(", ");
                repr(l.get(i), sb);
            }
            sb.append(']');
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) sb.append(", ");
                first = false;
                repr(e.getKey(), sb);
                sb.append(": ");
                repr(e.getValue(), sb);
            }
            sb.append('}');
        } else if (v instanceof Undefined) {
            sb.append("Undefined");
        } else {
            throw PyError.unsupported("the repr of a " + typeName(v));
        }
    }

    private static void strRepr(String s, StringBuilder sb) {
        char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        sb.append(q);
        s.codePoints().forEach(c -> {
            if (c == q || c == '\\') sb.append('\\').appendCodePoint(c);
            else if (c == '\t') sb.append("\\t");
            else if (c == '\n') sb.append("\\n");
            else if (c == '\r') sb.append("\\r");
            else if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", c));
            else if (c < 0x7f || isPrintable(c)) sb.appendCodePoint(c);
            else if (c <= 0xff) sb.append(String.format("\\x%02x", c));
            else if (c <= 0xffff) sb.append(String.format("\\u%04x", c));
            else sb.append(String.format("\\U%08x", c));
        });
        sb.append(q);
    }

    private static boolean isPrintable(int c) {
        int t = Character.getType(c);
        return t != Character.CONTROL && t != Character.FORMAT && t != Character.SURROGATE
                && t != Character.UNASSIGNED && t != Character.PRIVATE_USE && t != Character.LINE_SEPARATOR
                && t != Character.PARAGRAPH_SEPARATOR && t != Character.SPACE_SEPARATOR;
    }

    /** Python's {@code repr(float)}: the shortest digits, exponent form below 1e-4 and from 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        String sign = d < 0 ? "-" : "";
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int exp = digits.length() - 1 - bd.scale();
        if (exp < -4 || exp >= 16) {
            String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mant + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
        }
        String plain;
        if (exp < 0) plain = "0." + "0".repeat(-exp - 1) + digits;
        else if (digits.length() <= exp + 1) plain = digits + "0".repeat(exp + 1 - digits.length()) + ".0";
        else plain = digits.substring(0, exp + 1) + "." + digits.substring(exp + 1);
        return sign + plain;
    }

    // ---- equality and ordering

    static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof Double || v instanceof Boolean;
    }

    static boolean eq(Object a, Object b) {
        if (a == b) return true;
        if (a == null || b == null) return false;
        if (a instanceof DictView || b instanceof DictView) throw PyError.unsupported("comparing a dict view");
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) return toDouble(a) == toDouble(b);
            return toLong(a) == toLong(b);
        }
        if (a instanceof String && b instanceof String) return a.equals(b);
        if (a instanceof Undefined && b instanceof Undefined) return true;
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if ((a instanceof PyTuple) != (b instanceof PyTuple) || x.size() != y.size()) return false;
            for (int i = 0; i < x.size(); i++) if (!eq(x.get(i), y.get(i))) return false;
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) return false;
            for (Map.Entry<?, ?> e : x.entrySet()) {
                Object k = findKey(y, e.getKey());
                if (k == NO_KEY || !eq(e.getValue(), y.get(k))) return false;
            }
            return true;
        }
        return false;
    }

    static final Object NO_KEY = new Object();

    /** The key of {@code m} equal to {@code key} in Python's sense (1 == 1.0 == True), or NO_KEY. */
    static Object findKey(Map<?, ?> m, Object key) {
        if (m.containsKey(key)) return key;
        if (!(key instanceof String)) for (Object k : m.keySet()) if (eq(k, key)) return k;
        return NO_KEY;
    }

    static int compare(Object a, Object b, String op) {
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) return Double.compare(toDouble(a), toDouble(b));
            return Long.compare(toLong(a), toLong(b));
        }
        if (a instanceof String x && b instanceof String y) return compareCodePoints(x, y);
        if (a instanceof DictView || b instanceof DictView) throw PyError.unsupported("ordering a dict view or range");
        if (a instanceof List<?> x && b instanceof List<?> y && (a instanceof PyTuple) == (b instanceof PyTuple)) {
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                if (!eq(x.get(i), y.get(i))) return compare(x.get(i), y.get(i), op);
            }
            return Integer.compare(x.size(), y.size());
        }
        if (a instanceof Undefined u) throw u.fail();
        if (b instanceof Undefined u) throw u.fail();
        throw PyError.type("'" + op + "' not supported between instances of '" + typeName(a) + "' and '"
                + typeName(b) + "'");
    }

    static int compareCodePoints(String x, String y) {
        int i = 0, j = 0;
        while (i < x.length() && j < y.length()) {
            int a = x.codePointAt(i), b = y.codePointAt(j);
            if (a != b) return Integer.compare(a, b);
            i += Character.charCount(a);
            j += Character.charCount(b);
        }
        return Boolean.compare(i < x.length(), j < y.length());
    }

    static boolean contains(Object container, Object item) {
        if (container instanceof String s) {
            if (item instanceof String t) return s.contains(t);
            throw PyError.type("'in <string>' requires string as left operand, not " + typeName(item));
        }
        if (container instanceof Map<?, ?> m) {
            if (item instanceof List && !(item instanceof PyTuple) || item instanceof Map)
                throw PyError.type("unhashable type: '" + typeName(item) + "'");
            return findKey(m, item) != NO_KEY;
        }
        if (container instanceof List<?> l) {
            for (Object o : l) if (eq(o, item)) return true;
            return false;
        }
        if (container instanceof PyIterator it) {
            while (it.hasNext()) if (eq(it.next(), item)) return true;
            return false;
        }
        if (container instanceof Undefined) return false;
        throw PyError.type("argument of type '" + typeName(container) + "' is not iterable");
    }

    // ---- numbers

    static long toLong(Object v) {
        if (v instanceof Boolean b) return b ? 1 : 0;
        return (Long) v;
    }

    static double toDouble(Object v) {
        if (v instanceof Double d) return d;
        return toLong(v);
    }

    static Object arithmetic(String op, Object a, Object b) {
        if (op.equals("%") && a instanceof String) throw PyError.unsupported("string formatting with '%'");
        if (a instanceof Undefined u) throw u.fail();
        if (b instanceof Undefined u) throw u.fail();
        if (isNumber(a) && isNumber(b)) return numeric(op, a, b);
        switch (op) {
            case "+" -> {
                if (a instanceof String x && b instanceof String y) return x + y;
                if (a instanceof PyTuple x && b instanceof PyTuple y) return new PyTuple(concat(x, y));
                if (a instanceof List<?> x && b instanceof List<?> y && plainList(a) && plainList(b)) return concat(x, y);
            }
            case "*" -> {
                if ((a instanceof Long || a instanceof Boolean) && !(b instanceof Long || b instanceof Boolean))
                    return arithmetic(op, b, a);
                if (b instanceof Long || b instanceof Boolean) {
                    long n = toLong(b);
                    if (a instanceof String s) return n <= 0 ? "" : s.repeat(Math.toIntExact(n));
                    if (a instanceof List<?> l && !(a instanceof DictView)) {
                        List<Object> out = new ArrayList<>();
                        for (long i = 0; i < n; i++) out.addAll(l);
                        return a instanceof PyTuple ? new PyTuple(out) : out;
                    }
                }
            }
            case "%" -> {
                if (a instanceof String) throw PyError.unsupported("string formatting with '%'");
            }
            default -> { }
        }
        throw PyError.type("unsupported operand type(s) for " + op + ": '" + typeName(a) + "' and '"
                + typeName(b) + "'");
    }

    private static boolean plainList(Object v) {
        return v instanceof List && !(v instanceof PyTuple) && !(v instanceof DictView);
    }

    private static List<Object> concat(List<?> x, List<?> y) {
        List<Object> out = new ArrayList<>(x);
        out.addAll(y);
        return out;
    }

    private static Object numeric(String op, Object a, Object b) {
        boolean fl = a instanceof Double || b instanceof Double;
        if (op.equals("/")) {
            double y = toDouble(b);
            if (y == 0) throw PyError.type("division by zero");
            return toDouble(a) / y;
        }
        if (fl) {
            double x = toDouble(a), y = toDouble(b);
            return switch (op) {
                case "+" -> x + y;
                case "-" -> x - y;
                case "*" -> x * y;
                case "//" -> {
                    if (y == 0) throw PyError.type("float floor division by zero");
                    yield floorDiv(x, y);
                }
                case "%" -> {
                    if (y == 0) throw PyError.type("float modulo");
                    double r = x % y;
                    yield r != 0 ? ((y < 0) != (r < 0) ? r + y : r) : Math.copySign(0.0, y);
                }
                case "**" -> Math.pow(x, y);
                default -> throw PyError.unsupported("operator '" + op + "'");
            };
        }
        long x = toLong(a), y = toLong(b);
        try {
            return switch (op) {
                case "+" -> Math.addExact(x, y);
                case "-" -> Math.subtractExact(x, y);
                case "*" -> Math.multiplyExact(x, y);
                case "//" -> {
                    if (y == 0) throw PyError.type("integer division or modulo by zero");
                    yield Math.floorDiv(x, y);
                }
                case "%" -> {
                    if (y == 0) throw PyError.type("integer division or modulo by zero");
                    yield Math.floorMod(x, y);
                }
                case "**" -> {
                    if (y < 0) yield Math.pow(x, y);
                    BigInteger r = BigInteger.valueOf(x).pow(Math.toIntExact(y));
                    if (r.bitLength() > 63) throw new ArithmeticException();
                    yield r.longValue();
                }
                default -> throw PyError.unsupported("operator '" + op + "'");
            };
        } catch (ArithmeticException e) {
            throw PyError.unsupported("integer arithmetic beyond 64 bits");
        }
    }

    /** CPython's float floor division (float_floor_div): exact where floor(x / y) rounds the wrong way. */
    private static double floorDiv(double x, double y) {
        double mod = x % y;
        double div = (x - mod) / y;
        if (mod != 0 && (y < 0) != (mod < 0)) div -= 1.0;
        if (div == 0) return Math.copySign(0.0, x / y);
        double floor = Math.floor(div);
        return div - floor > 0.5 ? floor + 1.0 : floor;
    }

    static Object negate(Object v) {
        if (v instanceof Double d) return -d;
        if (v instanceof Long || v instanceof Boolean) {
            long l = toLong(v);
            if (l == Long.MIN_VALUE) throw PyError.unsupported("integer arithmetic beyond 64 bits");
            return -l;
        }
        if (v instanceof Undefined u) throw u.fail();
        throw PyError.type("bad operand type for unary -: '" + typeName(v) + "'");
    }

    // ---- iteration and length

    /** The items a for loop (or list()) sees; a String iterates over its characters, a dict over its keys. */
    static List<Object> iterate(Object v) {
        if (v instanceof List<?> l) return new ArrayList<>(l);
        if (v instanceof Map<?, ?> m) return new ArrayList<>(m.keySet());
        if (v instanceof String s) return chars(s);
        if (v instanceof PyIterator it) return new ArrayList<>(it.drain());
        if (v instanceof Undefined) return new ArrayList<>();
        throw PyError.type("'" + typeName(v) + "' object is not iterable");
    }

    static List<Object> chars(String s) {
        List<Object> out = new ArrayList<>();
        s.codePoints().forEach(c -> out.add(new String(Character.toChars(c))));
        return out;
    }

    static long len(Object v) {
        if (v instanceof String s) return s.codePointCount(0, s.length());
        if (v instanceof List<?> l) return l.size();
        if (v instanceof Map<?, ?> m) return m.size();
        if (v instanceof Undefined) return 0;
        throw PyError.type("object of type '" + typeName(v) + "' has no len()");
    }

    // ---- whitespace as Python's str.isspace / str.strip see it

    static boolean isSpace(int c) {
        return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f) || c == 0x85 || c == 0xa0
                || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f
                || c == 0x205f || c == 0x3000;
    }

    /** str.strip / lstrip / rstrip: whitespace when {@code chars} is null, else any of the code points in chars. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int[] cps = s.codePoints().toArray();
        int a = 0, b = cps.length;
        if (left) while (a < b && stripped(cps[a], chars)) a++;
        if (right) while (b > a && stripped(cps[b - 1], chars)) b--;
        return new String(cps, a, b - a);
    }

    static String rstrip(String s, String chars) {
        return strip(s, chars, false, true);
    }

    private static boolean stripped(int c, String chars) {
        return chars == null ? isSpace(c) : chars.codePoints().anyMatch(x -> x == c);
    }
}
