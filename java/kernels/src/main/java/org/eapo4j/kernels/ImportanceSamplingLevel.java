package org.eapo4j.kernels;

/**
 * Where the importance ratio rho of the policy loss comes from (TRL {@code importance_sampling_level}).
 * docs/LOSS_VARIANTS.md has the formulas and what the kernel needs for each.
 */
public enum ImportanceSamplingLevel {
    /** rho_t = exp(logp_t - old_t), per token (PPO / GRPO). */
    TOKEN("token"),
    /**
     * GSPO: rho = s_i = exp(mean over sequence i's tokens of (logp - old)), with the gradient of the token ratio
     * sg[s_i] * pi_t / sg[pi_t]. The kernel reads s_i's log from {@link PolicyLossInputs#seqLogRatio()}
     * (see {@link SequenceLogRatio}).
     */
    SEQUENCE("sequence");

    private final String cliName;

    ImportanceSamplingLevel(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    public static ImportanceSamplingLevel fromName(String name) {
        for (ImportanceSamplingLevel l : values())
            if (l.cliName.equals(name) || l.name().equalsIgnoreCase(name)) return l;
        throw new IllegalArgumentException("unknown importance_sampling_level '" + name + "'; expected token or sequence");
    }
}
