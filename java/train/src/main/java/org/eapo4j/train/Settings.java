package org.eapo4j.train;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The {@link Setting} declarations of {@link RlConfig}, read once: what the CLI turns into flags, what
 * {@link RlConfig#validate()} checks ranges and choices with, and the markdown table of docs/TRAINING.md.
 */
public final class Settings {
    /**
     * One setting: its field, JSON name, declaration and default.
     *
     * @param json the snake_case name of JSON files and messages
     */
    public record Entry(Field field, String json, Setting decl, Object defaultValue) {
        /** The CLI flag, or null when the setting has none. */
        public String flag() {
            if ("-".equals(decl.flag())) return null;
            return decl.flag().isEmpty() ? "--" + json.replace('_', '-') : decl.flag();
        }

        /** Every CLI spelling, the main flag first (empty when none). */
        public List<String> flags() {
            List<String> out = new ArrayList<>();
            if (flag() == null) return out;
            out.add(flag());
            out.addAll(Arrays.asList(decl.aliases()));
            return out;
        }

        public Class<?> type() {
            return field.getType();
        }

        public Object get(RlConfig c) {
            try {
                return field.get(c);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }

        public void set(RlConfig c, Object v) {
            try {
                field.set(c, v);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }

        /** The range or the choices as text ("[0, 1)", "token-mean | ...", "" when free). */
        public String range() {
            if (decl.choices().length > 0) return String.join(" | ", decl.choices());
            boolean lo = !Double.isNaN(decl.min()), hi = !Double.isNaN(decl.max());
            if (!lo && !hi) return "";
            if (!hi) return (decl.minExclusive() ? "> " : ">= ") + bound(decl.min());
            if (!lo) return (decl.maxExclusive() ? "< " : "<= ") + bound(decl.max());
            return (decl.minExclusive() ? "(" : "[") + bound(decl.min()) + ", " + bound(decl.max())
                    + (decl.maxExclusive() ? ")" : "]");
        }

        /** A bound as printed: whole numbers as integers unless the other bound is fractional ([0.01, 100.0]). */
        private String bound(double x) {
            boolean whole = isWhole(decl.min()) && isWhole(decl.max());
            return whole ? Long.toString((long) x) : Double.toString(x);
        }

        private static boolean isWhole(double x) {
            return Double.isNaN(x) || x == Math.rint(x) && Math.abs(x) < 1e15;
        }
    }

    private static final List<Entry> ALL = read();

    private Settings() {}

    /** Every setting, in declaration order. */
    public static List<Entry> all() {
        return ALL;
    }

    /** The setting of that JSON name. @throws IllegalArgumentException unknown name */
    public static Entry get(String json) {
        for (Entry e : ALL) if (e.json().equals(json)) return e;
        throw new IllegalArgumentException("no setting named " + json);
    }

    private static List<Entry> read() {
        RlConfig defaults = new RlConfig();
        List<Entry> out = new ArrayList<>();
        for (Field f : RlConfig.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) || !Modifier.isPublic(f.getModifiers())) continue;
            Setting s = f.getAnnotation(Setting.class);
            if (s == null) throw new IllegalStateException("RlConfig." + f.getName() + " has no @Setting declaration");
            try {
                out.add(new Entry(f, snake(f.getName()), s, f.get(defaults)));
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        return List.copyOf(out);
    }

    static String snake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    /** Checks every declared range and choice; the first problem is a {@link ConfigException} naming the setting. */
    static void checkRanges(RlConfig c) {
        for (Entry e : ALL) {
            Object v = e.get(c);
            Setting d = e.decl();
            if (v == null) throw new ConfigException(e.json(), "must be given (null)");
            if (v instanceof String s && d.choices().length > 0 && !Arrays.asList(d.choices()).contains(s))
                throw new ConfigException(e.json(), "must be one of " + String.join(", ", d.choices()) + ", got '"
                        + s + "'");
            if (!(v instanceof Number n)) continue;
            double x = n.doubleValue();
            if (!Double.isFinite(x)) throw new ConfigException(e.json(), "must be a finite number, got " + v);
            boolean lo = !Double.isNaN(d.min()), hi = !Double.isNaN(d.max());
            boolean bad = lo && (d.minExclusive() ? x <= d.min() : x < d.min())
                    || hi && (d.maxExclusive() ? x >= d.max() : x > d.max());
            if (bad) {
                String range = e.range();
                throw new ConfigException(e.json(), "must be " + (range.startsWith("[") || range.startsWith("(")
                        ? "in " + range : range) + ", got " + v);
            }
        }
    }

    /** The settings table of docs/TRAINING.md: name, flag, default, range, meaning, source. */
    public static String markdownTable() {
        StringBuilder sb = new StringBuilder();
        sb.append("| setting (JSON) | flag | default | range | meaning | source |\n");
        sb.append("|---|---|---|---|---|---|\n");
        for (Entry e : ALL) {
            Object d = e.defaultValue();
            String def = d instanceof String s ? (s.isEmpty() ? "\"\"" : s) : d instanceof Double x ? number(x)
                    : String.valueOf(d);
            sb.append("| `").append(e.json()).append("` | ")
                    .append(e.flags().isEmpty() ? "" : "`" + String.join("`, `", e.flags()) + "`").append(" | ")
                    .append(def).append(" | ").append(e.range().replace("|", "\\|")).append(" | ")
                    .append(e.decl().help().replace("|", "\\|")).append(" | ")
                    .append(e.decl().source()).append(" |\n");
        }
        return sb.toString();
    }

    private static String number(double x) {
        if (x == Math.rint(x) && Math.abs(x) < 1e15) return Long.toString((long) x);
        String s = Double.toString(x);
        return s.contains("E") ? String.format(Locale.ROOT, "%.0e", x) : s;
    }
}
