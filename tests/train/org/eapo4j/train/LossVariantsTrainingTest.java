package org.eapo4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.eapo4j.hf.EmbeddedModels;
import org.eapo4j.hf.HfModels;
import org.eapo4j.hf.HfTokenizer;
import org.eapo4j.model.CausalLM;
import org.eapo4j.task.StoriesTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every loss variant and entropy control trains stories260K through RlTrainer, on the full logits and on the fused
 * head, logs its figures, and the two heads agree (same rollouts, same statistics); bad combinations are refused
 * naming the setting. The kernels' own numbers are checked against float64 references in tests/kernels.
 */
class LossVariantsTrainingTest {
    @TempDir Path dir;

    static RlConfig tiny() {
        RlConfig c = StoriesTask.defaultSettings();
        c.steps = 2;
        c.promptsPerStep = 2;
        c.numGenerations = 4;
        c.maxCompletionLength = 16;
        c.evalSteps = 0;
        c.saveSteps = 0;
        c.evalQuestions = 1;
        c.evalSamples = 2;
        c.trainEvalQuestions = 0;
        return c;
    }

    static Map<String, Consumer<RlConfig>> variants() {
        return Map.of(
                "gspo", c -> c.importanceSamplingLevel = "sequence",
                "cispo", c -> { c.lossType = "cispo"; c.dualClip = 0; c.epsilonHigh = 5; },
                "clip_cov", c -> { c.lossMode = "clip_cov"; c.clipCovRatio = 0.05; c.clipCovLb = -100; c.clipCovUb = 100; },
                "kl_cov", c -> { c.lossMode = "kl_cov"; c.dualClip = 0; c.klCovRatio = 0.05; },
                "top_entropy", c -> c.topEntropyQuantile = 0.2,
                "adaptive", c -> { c.useAdaptiveEntropy = true; c.entropyTarget = 10; c.entropyCoefDelta = 0.01; });
    }

    static final Map<String, String> METRIC = Map.of("clip_cov", "pg_dropped_frac", "kl_cov", "kl_cov_frac",
            "top_entropy", "entropy_masked_frac", "adaptive", "entropy_coef");

    @Test
    void everyVariantTrainsOnBothHeadsAndLogsItsFigures() {
        Path model = EmbeddedModels.stories260K();
        for (Map.Entry<String, Consumer<RlConfig>> v : variants().entrySet()) {
            Map<String, Object> last = null;
            for (String head : List.of("full", "fused")) {
                RlConfig c = tiny();
                v.getValue().accept(c);
                c.lmHead = head;
                Path out = dir.resolve(v.getKey() + "-" + head);
                try (CausalLM policy = HfModels.load(model); HfTokenizer tok = HfTokenizer.load(model);
                     RlTrainer t = RlTrainer.builder().policy(policy).tokenizer(tok).task(new StoriesTask()).config(c)
                             .outputDir(out).build()) {
                    t.train();
                }
                List<Map<String, Object>> rl = MetricsLog.read(out.resolve(RunFolder.METRICS)).stream()
                        .filter(r -> "rl".equals(r.get("kind"))).toList();
                assertEquals(2, rl.size(), v.getKey());
                Map<String, Object> r = rl.get(1);
                for (String k : List.of("loss", "grad_norm", "entropy_ht"))
                    assertTrue(Double.isFinite(MetricsLog.num(r, k)), v.getKey() + " " + head + ": " + k);
                String metric = METRIC.get(v.getKey());
                if (metric != null) assertTrue(r.containsKey(metric), v.getKey() + ": " + metric + " in " + r);
                if (last != null) {   // the fused head: the same rollouts and statistics up to float order
                    assertEquals(MetricsLog.num(last, "reward_mean"), MetricsLog.num(r, "reward_mean"), 1e-9,
                            v.getKey());
                    assertEquals(MetricsLog.num(last, "entropy_ht"), MetricsLog.num(r, "entropy_ht"), 1e-3,
                            v.getKey());
                }
                last = r;
            }
        }
    }

    @Test
    void topEntropyMasksAboutTheRestAndAdaptiveCoefMoves() {
        Path model = EmbeddedModels.stories260K();
        RlConfig c = tiny();
        c.topEntropyQuantile = 0.25;
        c.useAdaptiveEntropy = true;
        c.entropyTarget = 100;     // always below the target: the coefficient rises by delta each step
        c.entropyCoef = 0;
        c.entropyCoefDelta = 0.01;
        c.steps = 3;
        Path out = dir.resolve("both");
        try (CausalLM policy = HfModels.load(model); HfTokenizer tok = HfTokenizer.load(model);
             RlTrainer t = RlTrainer.builder().policy(policy).tokenizer(tok).task(new StoriesTask()).config(c)
                     .outputDir(out).build()) {
            t.train();
        }
        List<Map<String, Object>> rl = MetricsLog.read(out.resolve(RunFolder.METRICS)).stream()
                .filter(r -> "rl".equals(r.get("kind"))).toList();
        assertEquals(0.0, MetricsLog.num(rl.get(0), "entropy_coef"), 0);   // no measurement yet: off
        assertEquals(0.01, MetricsLog.num(rl.get(1), "entropy_coef"), 1e-12);
        assertEquals(0.02, MetricsLog.num(rl.get(2), "entropy_coef"), 1e-12);
        double masked = MetricsLog.num(rl.get(0), "entropy_masked_frac");   // first step: old = current entropies
        assertEquals(0.75, masked, 0.15, "about 1 - q of the tokens are below the top-25% threshold");
    }

    @Test
    void badCombinationsAreRefusedNamingTheSetting() {
        RlConfig a = tiny();
        a.lossType = "cispo";   // dual_clip 3 by default
        assertEquals("dual_clip", assertThrows(ConfigException.class, a::validate).fields().get(0));
        a.dualClip = 0;   // epsilon_high 0.28 is no CISPO cap
        assertEquals("epsilon_high", assertThrows(ConfigException.class, a::validate).fields().get(0));
        RlConfig b = tiny();
        b.lossMode = "kl_cov";
        assertEquals("dual_clip", assertThrows(ConfigException.class, b::validate).fields().get(0));
        RlConfig c = tiny();
        c.lossMode = "clip_cov";
        c.clipCovLb = 5;
        c.clipCovUb = 1;
        assertEquals("clip_cov_lb", assertThrows(ConfigException.class, c::validate).fields().get(0));
        RlConfig d = tiny();
        d.topEntropyQuantile = 0;
        assertEquals("top_entropy_quantile", assertThrows(ConfigException.class, d::validate).fields().get(0));
        RlConfig e = tiny();
        e.importanceSamplingLevel = "group";
        assertEquals("importance_sampling_level", assertThrows(ConfigException.class, e::validate).fields().get(0));
        RlConfig f = tiny();
        f.lossMode = "clip_cov";
        f.lossType = "cispo";
        f.dualClip = 0;
        f.epsilonHigh = 5;
        assertEquals("loss_mode", assertThrows(ConfigException.class, f::validate).fields().get(0));
    }
}
