package org.eapo4j.hf;

import java.util.ArrayList;
import java.util.List;

/**
 * LoRA adapters as PEFT's {@code LoraConfig} defines them (the field names of {@code adapter_config.json} and TRL's
 * {@code peft_config}): every targeted linear layer W of the decoder blocks computes
 * {@code W x + (lora_alpha / r) B A dropout(x)}, with A [r, in] Kaiming-uniform and B [out, r] zero at the start, so a
 * freshly applied adapter leaves the model's outputs unchanged.
 *
 * @param r                 rank of the adapters, at least 1 ({@code r} in PEFT)
 * @param loraAlpha         {@code lora_alpha}: the update is scaled by lora_alpha / r; must be finite and > 0
 * @param loraDropout       {@code lora_dropout}: dropout probability on the adapters' input, in [0, 1); applied in
 *                          training mode only ({@link HfDecoder#training(boolean)})
 * @param targetModules     {@code target_modules}: module names matched as PEFT matches a list (a module
 *                          {@code model.layers.N.self_attn.q_proj} is targeted by "q_proj", "self_attn.q_proj" or its
 *                          full name), or the single entry {@value #ALL_LINEAR}: every linear layer of the decoder
 *                          blocks. The embeddings and lm_head are never adapted.
 */
public record LoraConfig(int r, double loraAlpha, double loraDropout, List<String> targetModules) {
    /** PEFT's shorthand for every linear layer but the output head. */
    public static final String ALL_LINEAR = "all-linear";
    /** The linear layers of a decoder block, by their last name component, in module order. */
    public static final List<String> LINEAR_MODULES = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
            "up_proj", "down_proj");

    /** @throws IllegalArgumentException naming the PEFT field ({@code r}, {@code lora_alpha}, ...) at fault */
    public LoraConfig {
        if (r < 1) throw new IllegalArgumentException("r must be >= 1, got " + r);
        if (!(loraAlpha > 0) || Double.isInfinite(loraAlpha))
            throw new IllegalArgumentException("lora_alpha must be a finite number > 0, got " + loraAlpha);
        if (!(loraDropout >= 0 && loraDropout < 1))
            throw new IllegalArgumentException("lora_dropout must be in [0, 1), got " + loraDropout);
        if (targetModules == null || targetModules.isEmpty())
            throw new IllegalArgumentException("target_modules must name at least one module (or be \"" + ALL_LINEAR
                    + "\")");
        List<String> t = new ArrayList<>();
        for (String m : targetModules) {
            if (m == null || m.isBlank() || !m.strip().equals(m) || m.startsWith(".") || m.endsWith("."))
                throw new IllegalArgumentException("target_modules: bad module name '" + m + "'");
            if (!t.contains(m)) t.add(m);
        }
        if (t.contains(ALL_LINEAR) && t.size() > 1)
            throw new IllegalArgumentException("target_modules: \"" + ALL_LINEAR + "\" stands alone, got " + t);
        targetModules = List.copyOf(t);
    }

    /** Rank r, lora_alpha, no dropout, every linear layer of the decoder blocks. */
    public static LoraConfig of(int r, double loraAlpha) {
        return new LoraConfig(r, loraAlpha, 0.0, List.of(ALL_LINEAR));
    }

    /**
     * From the settings as a trainer config or a command line spells them ({@code lora_r}, {@code lora_alpha},
     * {@code lora_dropout}, {@code lora_target_modules} / {@code --lora-targets}).
     *
     * @param targets comma-separated module names ("q_proj,v_proj"), or "all-linear"; null or blank = all-linear
     * @throws IllegalArgumentException naming the field at fault (r = 0 means "no LoRA" to a trainer: do not call
     *                                  this then)
     */
    public static LoraConfig fromPeftNames(int loraR, double loraAlpha, double loraDropout, String targets) {
        List<String> t = new ArrayList<>();
        if (targets == null || targets.isBlank()) t.add(ALL_LINEAR);
        else for (String s : targets.split(",", -1)) t.add(s.strip());
        return new LoraConfig(loraR, loraAlpha, loraDropout, t);
    }

    /** lora_alpha / r: the factor of B A x. */
    public double scaling() {
        return loraAlpha / r;
    }

    public boolean allLinear() {
        return targetModules.equals(List.of(ALL_LINEAR));
    }

    /**
     * Whether the linear layer named {@code module} (e.g. "model.layers.3.mlp.up_proj") is adapted: PEFT's rule for
     * a list, the module name equals an entry or ends with "." + entry.
     */
    public boolean targets(String module) {
        if (allLinear()) return LINEAR_MODULES.contains(module.substring(module.lastIndexOf('.') + 1));
        for (String t : targetModules) if (module.equals(t) || module.endsWith("." + t)) return true;
        return false;
    }
}
