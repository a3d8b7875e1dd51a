package org.eapo4j.parallel;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The hash that ranks compare, and the first place where two configurations differ (for the error message). */
final class ConfigDiff {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfigDiff() {}

    static String sha256(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            StringBuilder b = new StringBuilder();
            for (byte x : d) b.append(String.format("%02x", x));
            return b.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JVM has SHA-256", e);
        }
    }

    /**
     * "field: a vs b" for the first JSON field (depth first, in the order of {@code a}) whose values differ, or the
     * first differing line when either text is not JSON; null when the texts are equal.
     */
    static String firstDifference(String a, String b) {
        if (a.equals(b)) return null;
        try {
            String d = diff("", JSON.readTree(a), JSON.readTree(b));
            if (d != null) return d;
        } catch (JsonProcessingException notJson) {
            // fall through to a line comparison
        }
        String[] la = a.split("\n", -1), lb = b.split("\n", -1);
        for (int i = 0; i < Math.max(la.length, lb.length); i++) {
            String x = i < la.length ? la[i] : "<end>", y = i < lb.length ? lb[i] : "<end>";
            if (!x.equals(y)) return "line " + (i + 1) + ": " + clip(x) + " vs " + clip(y);
        }
        return "the texts differ in formatting only";
    }

    private static String diff(String path, JsonNode a, JsonNode b) {
        if (a == null || b == null) return name(path) + ": " + text(a) + " vs " + text(b);
        if (a.isObject() && b.isObject()) {
            Set<String> names = new LinkedHashSet<>();
            for (Iterator<String> it = a.fieldNames(); it.hasNext(); ) names.add(it.next());
            for (Iterator<String> it = b.fieldNames(); it.hasNext(); ) names.add(it.next());
            for (String n : names) {
                String d = diff(path.isEmpty() ? n : path + "." + n, a.get(n), b.get(n));
                if (d != null) return d;
            }
            return null;
        }
        if (a.isArray() && b.isArray()) {
            for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
                String d = diff(path + "[" + i + "]", a.get(i), b.get(i));
                if (d != null) return d;
            }
            return null;
        }
        return a.equals(b) ? null : name(path) + ": " + text(a) + " vs " + text(b);
    }

    private static String name(String path) {
        return path.isEmpty() ? "<root>" : path;
    }

    private static String text(JsonNode n) {
        return n == null ? "<absent>" : clip(n.toString());
    }

    private static String clip(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
