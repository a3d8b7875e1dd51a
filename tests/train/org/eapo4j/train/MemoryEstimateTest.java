package org.eapo4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.hf.EmbeddedModels;
import org.eapo4j.hf.HfDecoder;
import org.eapo4j.hf.HfModels;
import org.eapo4j.hf.LoraConfig;
import org.junit.jupiter.api.Test;

/**
 * The memory estimate before training, counted by hand from stories260K's parameters: what each setting adds, and a
 * refusal that names check_memory when the estimate exceeds what is available.
 */
class MemoryEstimateTest {
    private static long trainable(HfDecoder m) {
        long n = 0;
        for (Tensor t : m.namedParameters().values()) n += t.numel();
        return n;
    }

    @Test
    void eachSettingAddsWhatItAllocates() {
        try (HfDecoder m = HfModels.load(EmbeddedModels.stories260K(), ScalarType.Float, "cpu")) {
            long n = trainable(m);
            RlConfig cfg = new RlConfig();
            MemoryEstimate e = MemoryEstimate.of(cfg, m, 10);
            assertEquals(4 * n, e.gradients());
            assertEquals(8 * n, e.optimizer());   // two float32 moments
            assertEquals(8 * n, e.gradientSums());   // float64 sums of float32 parameters
            assertEquals(0, e.reference());   // beta 0: no reference copy
            long tokens = (long) cfg.numGenerations * (10 + cfg.maxCompletionLength);
            assertEquals(tokens * m.activationBytesPerToken(10 + cfg.maxCompletionLength)
                    + 3 * tokens * m.vocabSize() * 4, e.activations());
            cfg.beta = 0.04;
            cfg.deterministicGradients = false;
            cfg.lmHead = "fused";
            MemoryEstimate f = MemoryEstimate.of(cfg, m, 10);
            assertEquals(4 * n, f.reference());
            assertEquals(0, f.gradientSums());
            assertEquals(tokens * m.activationBytesPerToken(10 + cfg.maxCompletionLength), f.activations());
        }
        try (HfDecoder m = HfModels.load(EmbeddedModels.stories260K(), ScalarType.BFloat16, "cpu")) {
            long n = trainable(m);
            RlConfig cfg = new RlConfig();
            MemoryEstimate e = MemoryEstimate.of(cfg, m, 10);
            assertEquals(2 * n, e.gradients());
            assertEquals(4 * n, e.optimizer());   // moments in bf16, as torch.optim.AdamW
            assertEquals(4 * n, e.gradientSums());   // float32 sums of bf16 parameters
            cfg.optimizerStateDtype = "float32";
            assertEquals(8 * n, MemoryEstimate.of(cfg, m, 10).optimizer());
        }
    }

    @Test
    void loraCountsTheAdaptersOnlyAndNoReferenceCopy() {
        try (HfDecoder m = HfModels.load(EmbeddedModels.stories260K(), ScalarType.Float, "cpu")) {
            RlConfig cfg = new RlConfig();
            cfg.loraR = 4;
            cfg.beta = 0.04;
            HfModels.applyLora(m, cfg.loraConfig(), 1);
            long adapters = trainable(m);
            MemoryEstimate e = MemoryEstimate.of(cfg, m, 10);
            assertEquals(4 * adapters, e.gradients());
            assertEquals(0, e.reference());   // the reference is the base with the adapters off
        }
    }

    @Test
    void aRunThatDoesNotFitIsRefusedNamingCheckMemory() {
        MemoryEstimate e = new MemoryEstimate(1_000_000_000L, 2_000_000_000L, 0, 0, 500_000_000L);
        e.check(4e9);   // fits
        e.check(Double.NaN);   // unknown: not checked
        ConfigException x = assertThrows(ConfigException.class, () -> e.check(3e9));
        assertEquals(List.of("check_memory", "lora_r", "deterministic_gradients", "optimizer_state_dtype",
                "micro_batch_size", "max_completion_length"), x.fields());
        assertTrue(x.getMessage().startsWith("check_memory: training would need about 3.5 GB more"), x.getMessage());
        assertTrue(x.getMessage().contains("gradients 1.00 GB, AdamW state 2.00 GB, activations 0.50 GB"),
                x.getMessage());
        assertTrue(x.getMessage().contains("3.0 GB are available"), x.getMessage());
        assertTrue(!x.getMessage().contains("\n"), "one line");
    }
}
