package org.eapo4j.kernels;

import org.eapo4j.nativelib.EapoNative;

/**
 * The policy-gradient term of the fused loss (docs/LOSS_VARIANTS.md); rho is the importance ratio of
 * {@link ImportanceSamplingLevel}.
 */
public enum Surrogate {
    /** max(-A rho, -A clip(rho, 1 - eps_low, 1 + eps_high)) with the optional dual clip: PPO / GRPO (SPEC.md). */
    CLIPPED("clipped", EapoNative.EAPO_LOSS_CLIPPED),
    /**
     * -sg[min(rho, 1 + eps_high)] * A * logp: the importance weight is capped and detached, every token keeps its
     * gradient (CISPO, MiniMax-M1; TRL {@code loss_type=cispo}, whose {@code epsilon_high} is our 1 + clipHigh).
     */
    CISPO("cispo", EapoNative.EAPO_LOSS_CISPO),
    /** -A rho, no clip: the surrogate of verl's {@code loss_mode=kl_cov} (with the dual clip when one is set). */
    UNCLIPPED("unclipped", EapoNative.EAPO_LOSS_UNCLIPPED);

    private final String cliName;
    private final int nativeCode;

    Surrogate(String cliName, int nativeCode) {
        this.cliName = cliName;
        this.nativeCode = nativeCode;
    }

    public String cliName() {
        return cliName;
    }

    int nativeCode() {
        return nativeCode;
    }

    public static Surrogate fromName(String name) {
        for (Surrogate s : values()) if (s.cliName.equals(name) || s.name().equalsIgnoreCase(name)) return s;
        throw new IllegalArgumentException("unknown surrogate '" + name + "'; expected one of clipped, cispo, unclipped");
    }
}
