package org.eapo4j.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

import org.eapo4j.data.PromptRecord;
import org.eapo4j.model.Generation;
import org.eapo4j.model.SamplingConfig;
import org.eapo4j.reward.RewardBreakdown;
import org.eapo4j.reward.Rewards;
import org.eapo4j.reward.Sample;

/**
 * Evaluation of a policy on prompt records with the run's rewards: G completions per prompt, the mean reward and the
 * best-of-G reward, the mean of each reward term, and the diversity of the G completions of a prompt (distinct-1/2
 * and self-BLEU over whitespace words, as {@link Diversity} computes them), mean completion length and the share of
 * truncated completions. Metric names are those of metrics.jsonl without the {@code heldout_} / {@code train_} prefix.
 */
final class PromptEvaluation {
    private final CompletionGenerator generator;
    private final Function<String, int[]> encode;
    private final Function<int[], String> decode;
    private final Rewards rewards;

    PromptEvaluation(CompletionGenerator generator, Function<String, int[]> encode, Function<int[], String> decode,
                     Rewards rewards) {
        this.generator = generator;
        this.encode = encode;
        this.decode = decode;
        this.rewards = rewards;
    }

    record Result(Map<String, Object> metrics, List<String> samples) {}

    Result evaluate(List<PromptRecord> records, int g, SamplingConfig sampling, SplittableRandom rng) {
        int chunk = Math.max(1, 64 / g);
        double rewardSum = 0, bestSum = 0, d1 = 0, d2 = 0, sb = 0, len = 0, trunc = 0;
        Map<String, Double> terms = new LinkedHashMap<>();
        List<String> samples = new ArrayList<>();
        for (int from = 0; from < records.size(); from += chunk) {
            List<PromptRecord> part = records.subList(from, Math.min(records.size(), from + chunk));
            int[][] prompts = new int[part.size() * g][];
            for (int q = 0; q < part.size(); q++) {
                int[] p = encode.apply(part.get(q).prompt());
                for (int j = 0; j < g; j++) prompts[q * g + j] = p;
            }
            Generation out = generator.generate(prompts, sampling, rng);
            for (int q = 0; q < part.size(); q++) {
                PromptRecord rec = part.get(q);
                List<Sample> group = new ArrayList<>();
                List<List<String>> words = new ArrayList<>();
                for (int j = 0; j < g; j++) {
                    int i = q * g + j;
                    String text = decode.apply(out.responses()[i]);
                    boolean truncated = !out.terminated()[i];
                    group.add(Sample.of(rec, text, truncated));
                    words.add(Arrays.asList(text.trim().split("\\s+")));
                    len += out.responses()[i].length;
                    if (truncated) trunc++;
                    if (j == 0 && samples.size() < 3) samples.add(rec.prompt() + " -> " + text);
                }
                RewardBreakdown rb = rewards.score(group);
                double best = Double.NEGATIVE_INFINITY;
                for (double r : rb.total()) {
                    rewardSum += r;
                    best = Math.max(best, r);
                }
                bestSum += best;
                for (String name : rb.names())
                    for (double v : rb.values(name)) terms.merge(name, v, Double::sum);
                d1 += Diversity.distinctN(words, 1);
                d2 += Diversity.distinctN(words, 2);
                sb += Diversity.selfBleu(words, 4);
            }
        }
        int n = records.size(), total = n * g;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reward_mean", rewardSum / total);
        m.put("best_of_g", bestSum / n);
        terms.forEach((name, sum) -> m.put("rewards/" + name, sum / total));
        m.put("distinct_1", d1 / n);
        m.put("distinct_2", d2 / n);
        m.put("self_bleu", sb / n);
        m.put("response_len", len / total);
        m.put("truncated_frac", trunc / total);
        return new Result(m, samples);
    }
}
