package org.eapo4j.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.eapo4j.data.KeyPointReward;
import org.eapo4j.data.QaItem;
import org.eapo4j.data.WordTokenizer;
import org.eapo4j.model.Generation;
import org.eapo4j.model.SamplingConfig;

/**
 * Samples G answers to each evaluation question and scores them: mean reward, best-of-G reward, distinct-1/2 and
 * self-BLEU across the G answers, and how many distinct key points the G answers cover together.
 */
public final class Evaluator {
    private final WordTokenizer tok;
    private final KeyPointReward reward;

    public Evaluator(WordTokenizer tok, KeyPointReward reward) {
        this.tok = tok;
        this.reward = reward;
    }

    /** Result of one evaluation; {@code samples} holds a few decoded answers for the logs. */
    public record Result(Map<String, Object> metrics, List<String> samples) {}

    public Result evaluate(CompletionGenerator gen, List<QaItem> items, int g, SamplingConfig sampling, SplittableRandom rng) {
        int chunk = Math.max(1, 64 / g);
        double rewardSum = 0, bestSum = 0, d1 = 0, d2 = 0, sb = 0, kpUnion = 0, kpUnionFrac = 0, len = 0, cov = 0;
        int n = 0;
        List<String> samples = new ArrayList<>();
        for (int from = 0; from < items.size(); from += chunk) {
            List<QaItem> part = items.subList(from, Math.min(items.size(), from + chunk));
            int[][] prompts = new int[part.size() * g][];
            for (int q = 0; q < part.size(); q++)
                for (int j = 0; j < g; j++) prompts[q * g + j] = tok.encodePrompt(part.get(q).question());
            Generation out = gen.generate(prompts, sampling, rng);
            for (int q = 0; q < part.size(); q++) {
                QaItem it = part.get(q);
                List<List<String>> answers = new ArrayList<>();
                boolean[] union = new boolean[it.keyPoints().size()];
                double best = 0;
                for (int j = 0; j < g; j++) {
                    int i = q * g + j;
                    String text = tok.decode(out.responses()[i]);
                    KeyPointReward.Score s = reward.score(it, text, out.terminated()[i]);
                    rewardSum += s.reward();
                    cov += s.coverage();
                    best = Math.max(best, s.reward());
                    for (int k = 0; k < union.length; k++) union[k] |= s.coveredMask()[k];
                    List<String> words = WordTokenizer.split(text);
                    answers.add(words);
                    len += out.responses()[i].length;
                    if (j == 0 && samples.size() < 3) samples.add(it.question() + " -> " + text);
                }
                int u = 0;
                for (boolean b : union) if (b) u++;
                bestSum += best;
                kpUnion += u;
                kpUnionFrac += (double) u / union.length;
                d1 += Diversity.distinctN(answers, 1);
                d2 += Diversity.distinctN(answers, 2);
                sb += Diversity.selfBleu(answers, 2);
                n++;
            }
        }
        int total = n * g;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reward_mean", rewardSum / total);
        m.put("best_of_g", bestSum / n);
        m.put("coverage", cov / total);
        m.put("distinct_1", d1 / n);
        m.put("distinct_2", d2 / n);
        m.put("self_bleu", sb / n);
        m.put("keypoints_union", kpUnion / n);
        m.put("keypoints_union_frac", kpUnionFrac / n);
        m.put("response_len", len / total);
        m.put("questions", n);
        m.put("samples_per_question", g);
        return new Result(m, samples);
    }
}
