package org.eapo4j.train;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Diversity of the G answers to one question: distinct-n and self-BLEU. Answers are token lists. */
public final class Diversity {
    private Diversity() {}

    /** Distinct n-grams / all n-grams across the answers (0 when there are none). */
    public static double distinctN(List<List<String>> answers, int n) {
        Set<List<String>> seen = new HashSet<>();
        int total = 0;
        for (List<String> a : answers)
            for (int i = 0; i + n <= a.size(); i++) {
                seen.add(a.subList(i, i + n));
                total++;
            }
        return total == 0 ? 0 : (double) seen.size() / total;
    }

    /**
     * Mean over answers of BLEU-{@code maxN} of the answer against all the others as references (clipped n-gram
     * precision with add-one smoothing for n &gt; 1, brevity penalty against the closest reference length).
     * 1 = all answers identical, near 0 = no shared n-grams.
     */
    public static double selfBleu(List<List<String>> answers, int maxN) {
        if (answers.size() < 2) return 0;
        double sum = 0;
        int counted = 0;
        for (int i = 0; i < answers.size(); i++) {
            List<String> hyp = answers.get(i);
            if (hyp.isEmpty()) continue;
            List<List<String>> refs = new java.util.ArrayList<>(answers);
            refs.remove(i);
            sum += bleu(hyp, refs, maxN);
            counted++;
        }
        return counted == 0 ? 0 : sum / counted;
    }

    static double bleu(List<String> hyp, List<List<String>> refs, int maxN) {
        double logP = 0;
        for (int n = 1; n <= maxN; n++) {
            Map<List<String>, Integer> h = counts(hyp, n);
            Map<List<String>, Integer> maxRef = new HashMap<>();
            for (List<String> r : refs)
                for (Map.Entry<List<String>, Integer> e : counts(r, n).entrySet())
                    maxRef.merge(e.getKey(), e.getValue(), Math::max);
            int match = 0, total = 0;
            for (Map.Entry<List<String>, Integer> e : h.entrySet()) {
                match += Math.min(e.getValue(), maxRef.getOrDefault(e.getKey(), 0));
                total += e.getValue();
            }
            double p = n == 1 ? (total == 0 ? 0 : (double) match / total) : (match + 1.0) / (total + 1.0);
            if (p == 0) return 0;
            logP += Math.log(p) / maxN;
        }
        int c = hyp.size(), best = Integer.MAX_VALUE, r = 0;
        for (List<String> ref : refs) {
            int d = Math.abs(ref.size() - c);
            if (d < best || (d == best && ref.size() < r)) {
                best = d;
                r = ref.size();
            }
        }
        double bp = c >= r ? 1 : Math.exp(1 - (double) r / c);
        return bp * Math.exp(logP);
    }

    private static Map<List<String>, Integer> counts(List<String> a, int n) {
        Map<List<String>, Integer> m = new HashMap<>();
        for (int i = 0; i + n <= a.size(); i++) m.merge(a.subList(i, i + n), 1, Integer::sum);
        return m;
    }
}
