package org.eapo4j.rl;

import java.util.Locale;

/**
 * How advantages are scaled (TRL's {@code scale_rewards}): A_i = (r_i - mu_group) / (sigma + 1e-6) with sigma the
 * standard deviation of the group ({@link #GROUP}, SPEC.md) or of the whole step's batch ({@link #BATCH}), or
 * A_i = r_i - mu_group ({@link #NONE}, Dr. GRPO). sigma is the population standard deviation (divide by n).
 */
public enum RewardScaling {
    GROUP, BATCH, NONE;

    /** {@code group}, {@code batch} or {@code none} (any case). */
    public static RewardScaling fromName(String name) {
        for (RewardScaling s : values()) if (s.name().equalsIgnoreCase(name.trim())) return s;
        throw new IllegalArgumentException("unknown reward scaling '" + name + "'; expected group, batch or none");
    }

    /** The JSON / CLI spelling. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
