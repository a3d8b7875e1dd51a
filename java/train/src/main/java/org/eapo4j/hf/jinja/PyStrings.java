package org.eapo4j.hf.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The methods of Python's str that templates call, with Python's results (indices and lengths in code points,
 * whitespace as {@code str.isspace}). Every other str method is refused by name.
 */
final class PyStrings {
    private PyStrings() { }

    /** Every method Python's str has: one of these that is not implemented is refused, any other name is undefined. */
    static final Set<String> METHODS = Set.of("capitalize", "casefold", "center", "count", "encode", "endswith",
            "expandtabs", "find", "format", "format_map", "index", "isalnum", "isalpha", "isascii", "isdecimal",
            "isdigit", "isidentifier", "islower", "isnumeric", "isprintable", "isspace", "istitle", "isupper", "join",
            "ljust", "lower", "lstrip", "maketrans", "partition", "removeprefix", "removesuffix", "replace", "rfind",
            "rindex", "rjust", "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith", "strip",
            "swapcase", "title", "translate", "upper", "zfill");

    static PyCallable bind(String s, String method) {
        return new PyCallable() {
            @Override
            public Object call(List<Object> args, Map<String, Object> kwargs) {
                return PyStrings.call(s, method, new Args("str." + method, args, kwargs));
            }

            @Override
            public String name() {
                return "str." + method;
            }
        };
    }

    static Object call(String s, String m, Args a) {
        switch (m) {
            case "startswith", "endswith" -> {
                Object p = a.get(0, "prefix", null, true);
                if (a.size() > 1) throw PyError.unsupported("str." + m + " with start/end");
                a.done(1);
                List<Object> options = p instanceof PyTuple t ? t : List.of(p);
                for (Object o : options) {
                    String x = a.str(o, "str." + m + " argument");
                    if (m.equals("startswith") ? s.startsWith(x) : s.endsWith(x)) return true;
                }
                return false;
            }
            case "strip", "lstrip", "rstrip" -> {
                Object chars = a.get(0, "chars", null, false);
                a.done(1);
                String c = chars == null ? null : a.str(chars, "str." + m + " argument");
                return Py.strip(s, c, !m.equals("rstrip"), !m.equals("lstrip"));
            }
            case "split", "rsplit" -> {
                Object sep = a.get(0, "sep", null, false);
                Object max = a.get(1, "maxsplit", -1L, false);
                a.done(2);
                return split(s, sep == null ? null : a.str(sep, "separator"), a.integer(max, "maxsplit"),
                        m.equals("rsplit"));
            }
            case "lower", "upper", "title", "capitalize", "swapcase", "isdigit", "isalpha", "isalnum", "isspace",
                    "isupper", "islower", "splitlines" -> {
                a.done(0);
                return noArg(s, m);
            }
            case "replace" -> {
                String old = a.str(a.get(0, "old", null, true), "str.replace argument");
                String rep = a.str(a.get(1, "new", null, true), "str.replace argument");
                long count = a.integer(a.get(2, "count", -1L, false), "count");
                a.done(3);
                return replace(s, old, rep, count);
            }
            case "join" -> {
                Object items = a.get(0, "iterable", null, true);
                a.done(1);
                StringBuilder sb = new StringBuilder();
                List<Object> list = Py.iterate(items);
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) sb.append(s);
                    if (!(list.get(i) instanceof String x))
                        throw PyError.type("sequence item " + i + ": expected str instance, "
                                + Py.typeName(list.get(i)) + " found");
                    sb.append(x);
                }
                return sb.toString();
            }
            case "find", "rfind", "count" -> {
                String sub = a.str(a.get(0, "sub", null, true), "str." + m + " argument");
                if (a.size() > 1) throw PyError.unsupported("str." + m + " with start/end");
                a.done(1);
                if (m.equals("count")) return count(s, sub);
                int at = m.equals("find") ? s.indexOf(sub) : s.lastIndexOf(sub);
                return at < 0 ? -1L : (long) s.codePointCount(0, at);
            }
            case "removeprefix" -> {
                String p = a.str(a.get(0, "prefix", null, true), "prefix");
                a.done(1);
                return s.startsWith(p) ? s.substring(p.length()) : s;
            }
            case "removesuffix" -> {
                String p = a.str(a.get(0, "suffix", null, true), "suffix");
                a.done(1);
                return s.endsWith(p) && !p.isEmpty() ? s.substring(0, s.length() - p.length()) : s;
            }
            case "format" -> {
                return format(s, a);
            }
            default -> throw PyError.unsupported("method str." + m);
        }
    }

    private static Object noArg(String s, String m) {
        return switch (m) {
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> capitalize(s);
            case "swapcase" -> swapcase(s);
            case "isdigit" -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace" -> !s.isEmpty() && s.codePoints().allMatch(Py::isSpace);
            case "isupper" -> s.codePoints().anyMatch(PyStrings::cased)
                    && s.codePoints().filter(PyStrings::cased).noneMatch(Character::isLowerCase);
            case "islower" -> s.codePoints().anyMatch(PyStrings::cased)
                    && s.codePoints().filter(PyStrings::cased).noneMatch(c -> Character.isUpperCase(c)
                    || Character.isTitleCase(c));
            case "splitlines" -> splitlines(s);
            default -> throw PyError.unsupported("method str." + m);
        };
    }

    static boolean cased(int c) {
        return Character.isUpperCase(c) || Character.isLowerCase(c) || Character.isTitleCase(c);
    }

    /** Python's str.title: a cased character after an uncased one is title-cased, the others lower-cased. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder();
        boolean prevCased = false;
        for (int c : s.codePoints().toArray()) {
            if (prevCased) sb.append(new String(Character.toChars(c)).toLowerCase(Locale.ROOT));
            else sb.append(titleCase(c));
            prevCased = cased(c);
        }
        return sb.toString();
    }

    static String capitalize(String s) {
        if (s.isEmpty()) return s;
        int first = s.codePointAt(0);
        return titleCase(first) + s.substring(Character.charCount(first)).toLowerCase(Locale.ROOT);
    }

    private static String titleCase(int c) {
        String up = new String(Character.toChars(c)).toUpperCase(Locale.ROOT);
        if (up.codePointCount(0, up.length()) == 1) return new String(Character.toChars(Character.toTitleCase(c)));
        return up.charAt(0) + up.substring(1).toLowerCase(Locale.ROOT);
    }

    private static String swapcase(String s) {
        StringBuilder sb = new StringBuilder();
        for (int c : s.codePoints().toArray()) {
            String x = new String(Character.toChars(c));
            sb.append(Character.isUpperCase(c) ? x.toLowerCase(Locale.ROOT)
                    : Character.isLowerCase(c) ? x.toUpperCase(Locale.ROOT) : x);
        }
        return sb.toString();
    }

    static List<Object> split(String s, String sep, long max, boolean fromRight) {
        List<Object> out = new ArrayList<>();
        if (sep != null && sep.isEmpty()) throw PyError.type("empty separator");
        if (max < 0) max = Long.MAX_VALUE;
        if (sep == null) {
            int[] cps = s.codePoints().toArray();
            List<int[]> words = new ArrayList<>();   // [start, end) in code points
            int i = 0;
            while (i < cps.length) {
                while (i < cps.length && Py.isSpace(cps[i])) i++;
                if (i >= cps.length) break;
                int j = i;
                while (j < cps.length && !Py.isSpace(cps[j])) j++;
                words.add(new int[] {i, j});
                i = j;
            }
            if (words.size() <= max) {
                for (int[] w : words) out.add(new String(cps, w[0], w[1] - w[0]));
                return out;
            }
            int k = (int) max;
            if (!fromRight) {
                for (int w = 0; w < k; w++) out.add(new String(cps, words.get(w)[0], words.get(w)[1] - words.get(w)[0]));
                int restStart = words.get(k)[0];
                out.add(new String(cps, restStart, cps.length - restStart));
            } else {
                int restEnd = words.get(words.size() - k - 1)[1];
                out.add(new String(cps, 0, restEnd));
                for (int w = words.size() - k; w < words.size(); w++)
                    out.add(new String(cps, words.get(w)[0], words.get(w)[1] - words.get(w)[0]));
            }
            return out;
        }
        if (!fromRight) {
            int from = 0;
            long n = 0;
            while (n < max) {
                int at = s.indexOf(sep, from);
                if (at < 0) break;
                out.add(s.substring(from, at));
                from = at + sep.length();
                n++;
            }
            out.add(s.substring(from));
            return out;
        }
        int to = s.length();
        long n = 0;
        List<Object> rev = new ArrayList<>();
        while (n < max) {
            int at = s.lastIndexOf(sep, to - sep.length());
            if (at < 0) break;
            rev.add(s.substring(at + sep.length(), to));
            to = at;
            n++;
        }
        rev.add(s.substring(0, to));
        for (int i = rev.size() - 1; i >= 0; i--) out.add(rev.get(i));
        return out;
    }

    private static List<Object> splitlines(String s) {
        List<Object> out = new ArrayList<>();
        int start = 0, i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            boolean brk = c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || (c >= 0x1c && c <= 0x1e) || c == 0x85
                    || c == 0x2028 || c == 0x2029;
            if (!brk) {
                i++;
                continue;
            }
            out.add(s.substring(start, i));
            i += c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n' ? 2 : 1;
            start = i;
        }
        if (start < s.length()) out.add(s.substring(start));
        return out;
    }

    static String replace(String s, String old, String rep, long count) {
        if (count < 0) count = Long.MAX_VALUE;
        StringBuilder sb = new StringBuilder();
        if (old.isEmpty()) {
            int[] cps = s.codePoints().toArray();
            long n = 0;
            for (int c : cps) {
                if (n < count) {
                    sb.append(rep);
                    n++;
                }
                sb.appendCodePoint(c);
            }
            if (n < count) sb.append(rep);
            return sb.toString();
        }
        int from = 0;
        long n = 0;
        while (n < count) {
            int at = s.indexOf(old, from);
            if (at < 0) break;
            sb.append(s, from, at).append(rep);
            from = at + old.length();
            n++;
        }
        return sb.append(s.substring(from)).toString();
    }

    private static long count(String s, String sub) {
        if (sub.isEmpty()) return s.codePointCount(0, s.length()) + 1L;
        long n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) n++;
        return n;
    }

    /** str.format with {}, {0} and {name} fields and {{ }} escapes; format specs and conversions are refused. */
    private static String format(String s, Args a) {
        StringBuilder sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{' && i + 1 < s.length() && s.charAt(i + 1) == '{') {
                sb.append('{');
                i++;
            } else if (c == '}' && i + 1 < s.length() && s.charAt(i + 1) == '}') {
                sb.append('}');
                i++;
            } else if (c == '{') {
                int end = s.indexOf('}', i);
                if (end < 0) throw PyError.type("Single '{' encountered in format string");
                String field = s.substring(i + 1, end);
                if (!field.matches("[0-9]*|[A-Za-z_][A-Za-z_0-9]*"))
                    throw PyError.unsupported("str.format field '{" + field + "}'");
                Object v;
                if (field.isEmpty()) v = a.positional(auto++);
                else if (Character.isDigit(field.charAt(0))) v = a.positional(Integer.parseInt(field));
                else v = a.keyword(field);
                sb.append(Py.str(v));
                i = end;
            } else if (c == '}') {
                throw PyError.type("Single '}' encountered in format string");
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
