package org.eapo4j.train;

import java.util.List;
import java.util.Map;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.model.AdamW;
import org.eapo4j.model.CausalLM;
import org.eapo4j.rl.GradAccumulator;

/**
 * What training will allocate on top of the loaded policy, estimated before it starts: gradients, AdamW moments,
 * the gradient sums of {@code deterministic_gradients}, the frozen reference copy ({@code beta} > 0 without LoRA)
 * and the largest micro-batch's activations ({@code micro_batch_size} rows at the longest prompt + completion). A run whose
 * estimate exceeds the memory the machine has available is refused with one line (an {@link ConfigException} naming
 * {@code check_memory}) instead of being killed by the kernel mid-step.
 *
 * @param activations bytes of one micro-batch's forward + backward: the model's saved activations per token and
 *                    three [tokens, V] buffers of the logits' dtype (logits, their gradient, the loss's workspace);
 *                    an estimate within a factor of about two, which is why the check leaves headroom elsewhere
 */
record MemoryEstimate(long gradients, long optimizer, long gradientSums, long reference, long activations) {
    private static final double GB = ResidentMemory.GB;

    static MemoryEstimate of(RlConfig cfg, CausalLM policy, int longestPrompt) {
        long grads = 0, opt = 0, sums = 0, ref = 0;
        ScalarType dtype = ScalarType.Float;
        for (Map.Entry<String, Tensor> e : policy.namedParameters().entrySet()) {
            Tensor p = e.getValue();
            dtype = p.scalar_type().intern();
            long n = p.numel(), elem = torch.elementSize(dtype);
            grads += n * elem;
            opt += n * AdamW.stateBytesPerParameter(dtype, cfg.float32OptimizerState());
            if (cfg.deterministicGradients) sums += n * GradAccumulator.bytesPerParameter(dtype);
            if (cfg.beta > 0 && cfg.loraR == 0) ref += n * elem;
        }
        long tokens = (long) cfg.microBatchRows() * (longestPrompt + cfg.maxCompletionLength);
        long logits = "fused".equals(cfg.lmHead) ? 0 : 3L * tokens * policy.vocabSize() * torch.elementSize(dtype);
        long act = tokens * policy.activationBytesPerToken(longestPrompt + cfg.maxCompletionLength) + logits;
        return new MemoryEstimate(grads, opt, sums, ref, act);
    }

    long total() {
        return gradients + optimizer + gradientSums + reference + activations;
    }

    /**
     * Refuses the run when {@link #total()} exceeds {@code availableBytes} (NaN: unknown, nothing is checked).
     *
     * @throws ConfigException naming check_memory, with the parts of the estimate and what lowers them
     */
    void check(double availableBytes) {
        if (Double.isNaN(availableBytes) || total() <= availableBytes) return;
        throw new ConfigException(List.of("check_memory", "lora_r", "deterministic_gradients",
                "optimizer_state_dtype", "micro_batch_size", "max_completion_length"), String.format(
                "training would need about %.1f GB more than the loaded policy (%s) but %.1f GB are available; lower "
                        + "it with lora_r, deterministic_gradients false, optimizer_state_dtype param, lm_head fused, "
                        + "or a smaller micro_batch_size / max_completion_length (check_memory false skips this check)",
                total() / GB, parts(), availableBytes / GB));
    }

    /** "gradients 1.2 GB, AdamW state 2.4 GB, ..." (the nonzero parts). */
    String parts() {
        StringBuilder b = new StringBuilder();
        part(b, "gradients", gradients);
        part(b, "AdamW state", optimizer);
        part(b, "gradient sums", gradientSums);
        part(b, "reference copy", reference);
        part(b, "activations", activations);
        return b.toString();
    }

    private static void part(StringBuilder b, String name, long bytes) {
        if (bytes == 0) return;
        if (b.length() > 0) b.append(", ");
        b.append(String.format("%s %.2f GB", name, bytes / GB));
    }

    /** The smaller of the machine's available memory and what is left under this process's cgroup limit. */
    static double availableBytes() {
        return Math.min(nanToMax(ResidentMemory.available()), nanToMax(ResidentMemory.cgroupHeadroom()));
    }

    private static double nanToMax(double x) {
        return Double.isNaN(x) ? Double.POSITIVE_INFINITY : x;
    }
}
