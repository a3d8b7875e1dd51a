package org.eapo4j.rl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The weightings by name, each with its one-line meaning: the one list that the config's validation, the CLI's help
 * and docs/TRAINING.md read. A new weighting is a {@link WeightingSchedule} and one entry here.
 */
public final class Weightings {
    /** Name to meaning, in the order help texts list them ({@code fixed:POS,NEG} is parsed apart). */
    public static final Map<String, String> NAMES = namesInOrder();

    private static Map<String, String> namesInOrder() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("eapo", "EAPO: lambda_pos = clamp((H_t / H_0)^alpha), lambda_neg = 1 (our reconstruction, SPEC.md)");
        m.put("grpo", "GRPO: every sample weight 1");
        m.put("w-reinforce", "W-REINFORCE: positive samples 0.1, negative 1");
        m.put("psr", "positive samples only (1, 0)");
        m.put("nsr", "negative samples only (0, 1)");
        m.put("fixed:POS,NEG", "fixed weights of positive and negative samples");
        return Collections.unmodifiableMap(m);
    }

    private Weightings() {}

    /** "eapo, grpo, ... or fixed:POS,NEG", for messages. */
    public static String choices() {
        List<String> n = new ArrayList<>(NAMES.keySet());
        return String.join(", ", n.subList(0, n.size() - 1)) + " or " + n.get(n.size() - 1);
    }

    public static WeightingSchedule parse(String name, EapoWeighting.Config eapo) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        switch (n) {
            case "eapo": return new EapoWeighting(eapo);
            case "grpo": return FixedWeighting.grpo();
            case "w-reinforce": case "wreinforce": return FixedWeighting.wReinforce();
            case "psr": case "psr-only": return FixedWeighting.psrOnly();
            case "nsr": case "nsr-only": return FixedWeighting.nsrOnly();
            default:
        }
        if (n.startsWith("fixed:")) {
            String[] p = n.substring(6).split(",");
            if (p.length == 2) {
                try {
                    return new FixedWeighting(n, Double.parseDouble(p[0]), Double.parseDouble(p[1]));
                } catch (NumberFormatException e) {
                    // fall through to the error below
                }
            }
        }
        throw new IllegalArgumentException("unknown weighting '" + name + "'; expected " + choices());
    }

    public static WeightingSchedule parse(String name) {
        return parse(name, EapoWeighting.Config.DEFAULT);
    }
}
