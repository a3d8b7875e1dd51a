package org.eapo4j.rl;

import java.util.Locale;

/** Parses a weighting by name: eapo, grpo, w-reinforce, psr, nsr, or fixed:POS,NEG. */
public final class Weightings {
    private Weightings() {}

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
        throw new IllegalArgumentException("unknown weighting '" + name
                + "'; expected eapo, grpo, w-reinforce, psr, nsr or fixed:POS,NEG");
    }

    public static WeightingSchedule parse(String name) {
        return parse(name, EapoWeighting.Config.DEFAULT);
    }
}
