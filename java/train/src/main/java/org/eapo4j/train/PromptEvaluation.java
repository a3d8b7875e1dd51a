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
import org.eapo4j.reward.ElementCoverage;
import org.eapo4j.reward.RewardBreakdown;
import org.eapo4j.reward.Rewards;
import org.eapo4j.reward.Sample;

/**
 * Evaluation of a policy on prompt records with the run's rewards: G completions per prompt, the mean reward and the
 * best-of-G reward, the mean of each reward term, and the diversity of the G completions of a prompt (distinct-1/2
 * and self-BLEU over whitespace words, as {@link Diversity} computes them), mean completion length and the share of
 * truncated completions. When a reward term is an {@link ElementCoverage} (the first such term counts), also the
 * elements covered: {@code elements_union_frac}, the share of a prompt's elements that at least one of its G
 * completions covers, averaged over prompts, and {@code elements_mean_frac}, the share one completion covers,
 * averaged over completions. Computed from the texts alone: no extra random draws. Metric names are those of metrics.jsonl without the {@code heldout_} / {@code train_} prefix.
 */
final class PromptEvaluation {
    private final CompletionGenerator generator;
    private final Function<String, int[]> encode;
    private final Function<int[], String> decode;
    private final Rewards rewards;
    private final ElementCoverage coverage;   // null when no term reports element coverage

    PromptEvaluation(CompletionGenerator generator, Function<String, int[]> encode, Function<int[], String> decode,
                     Rewards rewards) {
        this.generator = generator;
        this.encode = encode;
        this.decode = decode;
        this.rewards = rewards;
        this.coverage = rewards.firstTerm(ElementCoverage.class).orElse(null);
    }

    record Result(Map<String, Object> metrics, List<String> samples) {}

    Result evaluate(List<PromptRecord> records, int g, SamplingConfig sampling, SplittableRandom rng) {
        int chunk = Math.max(1, 64 / g);
        double rewardSum = 0, bestSum = 0, d1 = 0, d2 = 0, sb = 0, len = 0, trunc = 0, unionSum = 0, meanSum = 0;
        Map<String, Double> terms = new LinkedHashMap<>();
        List<String> samples = new ArrayList<>();
        for (int from = 0; from < records.size(); from += chunk) {
            List<PromptRecord> part = records.subList(from, Math.min(records.size(), from + chunk));
            int[][] prompts = new int[part.size() * g][];
            for (int q = 0; q < part.size(); q++) {
                int[] p = encode.apply(part.get(q).prompt());
                for (int j = 0; j < g; j++) prompts[q * g + j] = p;
            }
            SplittableRandom[] rngs = new SplittableRandom[prompts.length];
            Arrays.fill(rngs, rng);   // one stream read in row order: evaluation is a function of its seed
            Generation out = generator.generate(prompts, sampling, rngs);
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
                if (coverage != null) {
                    double[] fracs = coveredFractions(group);
                    unionSum += fracs[0];
                    meanSum += fracs[1];
                }
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
        if (coverage != null) {
            m.put("elements_union_frac", unionSum / n);
            m.put("elements_mean_frac", meanSum / total);
        }
        m.put("response_len", len / total);
        m.put("truncated_frac", trunc / total);
        return new Result(m, samples);
    }

    /** {union share, sum over the group of each completion's share} of the prompt's elements. */
    private double[] coveredFractions(List<Sample> group) {
        boolean[] union = null;
        double sum = 0;
        for (Sample s : group) {
            boolean[] c = coverage.coveredElements(s);
            if (union == null) union = new boolean[c.length];
            int k = 0;
            for (int i = 0; i < c.length; i++) {
                if (c[i]) k++;
                union[i] |= c[i];
            }
            sum += (double) k / c.length;
        }
        int u = 0;
        for (boolean b : union) if (b) u++;
        return new double[] {(double) u / union.length, sum};
    }
}
