package org.eapo4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.eapo4j.kernels.LossAggregation;
import org.eapo4j.kernels.PolicyLossConfig;
import org.eapo4j.model.AdamW;
import org.eapo4j.model.ModelConfig;
import org.eapo4j.model.TransformerLM;
import org.eapo4j.rl.PolicyUpdate;
import org.eapo4j.rl.SequenceBatch;
import org.eapo4j.rl.UpdateConfig;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.Test;

/**
 * The trainer's update paths through a real model: the supervised warm-up step (the RL update with ratio 1, A = 1,
 * w = 1) gives LibTorch autograd's gradient of the masked mean cross-entropy, and mask_truncated_completions gives
 * the gradient of the batch without the masked rows.
 */
class UpdatePathTest {
    static final int V = 30, PAD = 0;

    static TransformerLM model() {
        torch.manual_seed(21);
        return new TransformerLM(new ModelConfig(V, 16, 1, 2, 32, 24));
    }

    static int[][] prompts() {
        return new int[][] {{1, 5, 6, 2}, {1, 7, 2}, {1, 8, 9, 10, 2}, {1, 11, 2}};
    }

    static int[][] answers() {
        return new int[][] {{12, 13, 3}, {14, 15, 16, 17, 18}, {19, 3}, {20, 21, 22, 23}};
    }

    static Map<String, float[]> grads(TransformerLM m) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        m.namedParameters().forEach((k, p) -> out.put(k, HostTensors.toFloats(p.grad())));
        return out;
    }

    static void assertSameGradients(Map<String, float[]> want, Map<String, float[]> got, double tol) {
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet()) {
            float[] a = want.get(k), b = got.get(k);
            double scale = 0;
            for (float x : a) scale = Math.max(scale, Math.abs(x));
            for (int i = 0; i < a.length; i++)
                assertEquals(a[i], b[i], tol * Math.max(scale, 1e-6), k + "[" + i + "]");
        }
    }

    @Test
    void supervisedStepHasTheCrossEntropyGradient() {
        try (PointerScope scope = new PointerScope()) {
            SequenceBatch batch = new SequenceBatch(prompts(), answers(), PAD);
            TransformerLM ref = model(), ours = model();

            // reference: autograd of -sum(mask * log_softmax[y]) / sum(mask) through the same model
            Tensor logits = batch.responseLogits(ref);
            Tensor lsm = logits.log_softmax(2);
            Tensor picked = lsm.gather(2, batch.targetTensor().unsqueeze(2)).squeeze(2);
            Tensor mask = HostTensors.fromFloats(batch.mask, batch.rows, batch.tr);
            Tensor ce = picked.mul(mask).sum().div(new Scalar(batch.maskSum())).neg();
            ce.backward();

            AdamW opt = new AdamW(ours.namedParameters(), 0.0);
            PolicyUpdate.SupervisedStats s = PolicyUpdate.supervised(ours, opt, batch, 1e-3, 0);
            assertEquals(ce.item_double(), s.crossEntropy(), 1e-5);
            assertSameGradients(grads(ref), grads(ours), 1e-4);
        }
    }

    @Test
    void maskedTruncatedRowsGiveTheGradientOfTheKeptRows() {
        try (PointerScope scope = new PointerScope()) {
            SequenceBatch full = new SequenceBatch(prompts(), answers(), PAD);
            boolean[] drop = {false, true, false, true};
            int[][] p = prompts(), a = answers();
            SequenceBatch kept = new SequenceBatch(new int[][] {p[0], p[2]}, new int[][] {a[0], a[2]}, PAD);
            TransformerLM m1 = model(), m2 = model();
            UpdateConfig cfg = new UpdateConfig(PolicyLossConfig.builder().clipLow(0.2).clipHigh(0.28).build(),
                    LossAggregation.TOKEN_MEAN, 1, 1, 1e-3, 0, 8);
            double[] adv = {0.7, -1.1, -0.4, 0.9}, w = {1, 1, 1, 1};
            float[] oldFull = full.tokenStats(m1, 1.0)[0];
            PolicyUpdate.run(m1, new AdamW(m1.namedParameters(), 0), full.withRowsMasked(drop),
                    oldFull, null, adv, w, cfg, new SplittableRandom(1));
            float[] oldKept = kept.tokenStats(m2, 1.0)[0];
            PolicyUpdate.run(m2, new AdamW(m2.namedParameters(), 0), kept, oldKept, null,
                    new double[] {adv[0], adv[2]}, new double[] {1, 1}, cfg, new SplittableRandom(1));
            assertSameGradients(grads(m2), grads(m1), 1e-4);
        }
    }

    @Test
    void microBatchesSummedInFloat64GiveTheWholeBatchGradient() {
        try (PointerScope scope = new PointerScope()) {
            SequenceBatch full = new SequenceBatch(prompts(), answers(), PAD);
            TransformerLM m1 = model(), m2 = model();
            double[] adv = {0.7, -1.1, -0.4, 0.9}, w = {1.3, 0.8, 1, 1};
            float[] old = full.tokenStats(m1, 1.0)[0];
            PolicyLossConfig loss = PolicyLossConfig.builder().clipLow(0.2).clipHigh(0.28).build();
            UpdateConfig whole = new UpdateConfig(loss, LossAggregation.SEQ_MEAN_TOKEN_MEAN, 1, 1, 1e-3, 0, 8);
            UpdateConfig units = new UpdateConfig(loss, LossAggregation.SEQ_MEAN_TOKEN_MEAN, 1, 1, 1e-3, 0, 8,
                    org.eapo4j.rl.LmHeadPath.FULL_LOGITS, 2);   // two micro-batches of two rows
            PolicyUpdate.Stats a = PolicyUpdate.run(m1, new AdamW(m1.namedParameters(), 0), full, old, null, adv, w,
                    whole, new SplittableRandom(1));
            try (org.eapo4j.rl.GradAccumulator acc = new org.eapo4j.rl.GradAccumulator(
                    List.copyOf(m2.namedParameters().values()))) {
                PolicyUpdate.Stats b = PolicyUpdate.run(m2, new AdamW(m2.namedParameters(), 0), full, old, null, adv,
                        w, units, new SplittableRandom(1), org.eapo4j.rl.Collectives.NONE, acc, null);
                assertEquals(a.loss(), b.loss(), 1e-6);
                assertEquals(a.entropy(), b.entropy(), 1e-5);
            }
            assertSameGradients(grads(m1), grads(m2), 1e-5);
        }
    }

    @Test
    void scoringMarksTruncatedCompletionsForMasking() {
        org.eapo4j.model.Generation g = new org.eapo4j.model.Generation(new int[][] {{1}, {1}, {1}, {1}},
                new int[][] {{5, 3}, {6, 6}, {7, 3}, {8}}, new boolean[] {true, false, true, false});
        List<org.eapo4j.data.PromptRecord> recs = org.eapo4j.data.PromptDataset.fromRecords(List.of(
                Map.of("prompt", "pa"), Map.of("prompt", "pb"))).records();
        RolloutBatch<org.eapo4j.data.PromptRecord> rb = new RolloutBatch<>(recs, List.of("pa", "pb"),
                new int[][] {{1}, {1}, {1}, {1}}, g, 2);
        org.eapo4j.reward.Rewards len = org.eapo4j.reward.Rewards.builder()
                .reward("len", 1.0, sample -> sample.completion().length()).build();
        ScoredBatch on = new Scoring(len, ids -> "x".repeat(ids.length), org.eapo4j.rl.RewardScaling.NONE, true)
                .score(rb);
        assertEquals(List.of(false, true, false, true), List.of(on.lossMasked()[0], on.lossMasked()[1],
                on.lossMasked()[2], on.lossMasked()[3]));
        assertEquals(0.5, on.truncatedFraction(), 0);
        assertEquals(0.0, on.advantages()[0], 0);              // group (2, 2): equal rewards
        assertEquals(-1.0, on.advantages()[3] - on.advantages()[2], 1e-12);   // group (2, 1): r - mean
        assertEquals(1.75, on.extras().get("rewards/len/mean"), 1e-12);   // lengths 2, 2, 2, 1
        ScoredBatch off = new Scoring(len, ids -> "x".repeat(ids.length), org.eapo4j.rl.RewardScaling.NONE, false)
                .score(rb);
        for (boolean b : off.lossMasked()) assertEquals(false, b);
    }
}
