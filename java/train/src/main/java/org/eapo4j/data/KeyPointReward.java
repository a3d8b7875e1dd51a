package org.eapo4j.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The graded reward of the open-ended QA task, in [0, 1]:
 * <pre>
 *   r = clamp( covered / |key points|
 *              - repeatPenalty  * (mentions of already covered points)
 *              - offTopicPenalty * (off-topic mentions)
 *              - overlongPenalty * (words beyond maxWords)  - truncatedPenalty * [no end-of-answer token],
 *              0, 1)
 * </pre>
 * Matching works on normalised words (lower case, letters and digits only, a plural "s" dropped): the answer is
 * scanned left to right and at each position the longest phrase among all synonyms and off-topic items that matches
 * there is taken (so "muscle weakness" is not also "weakness").
 */
public final class KeyPointReward {
    /** Penalty weights; {@link #DEFAULT} is what the embedded task uses. */
    public record Config(double repeatPenalty, double offTopicPenalty, int maxWords, double overlongPenalty,
                         double truncatedPenalty) {
        public static final Config DEFAULT = new Config(0.1, 0.2, 30, 0.02, 0.1);
    }

    /** Breakdown of one answer's score. */
    public record Score(double reward, int covered, int keyPoints, int repeats, int offTopic, int words,
                        boolean truncated, boolean[] coveredMask) {
        public double coverage() {
            return keyPoints == 0 ? 0 : (double) covered / keyPoints;
        }
    }

    private final Config cfg;

    public KeyPointReward(Config cfg) {
        this.cfg = cfg;
    }

    public KeyPointReward() {
        this(Config.DEFAULT);
    }

    public Config config() {
        return cfg;
    }

    public double reward(QaItem item, String answer, boolean terminated) {
        return score(item, answer, terminated).reward();
    }

    public Score score(QaItem item, String answer, boolean terminated) {
        List<String> words = normalise(answer);
        int k = item.keyPoints().size();
        List<List<String>> phrases = new ArrayList<>();
        List<Integer> owner = new ArrayList<>();   // key point index, or -1 - offTopicIndex
        for (int i = 0; i < k; i++) {
            for (String s : item.keyPoints().get(i).synonyms()) add(phrases, owner, s, i);
            add(phrases, owner, item.keyPoints().get(i).name(), i);
        }
        for (int j = 0; j < item.offTopic().size(); j++) add(phrases, owner, item.offTopic().get(j), -1 - j);

        int[] mentions = new int[k];
        int offTopic = 0;
        int pos = 0;
        while (pos < words.size()) {
            int best = -1, bestLen = 0;
            for (int p = 0; p < phrases.size(); p++) {
                List<String> ph = phrases.get(p);
                if (ph.size() > bestLen && matchesAt(words, pos, ph)) {
                    best = p;
                    bestLen = ph.size();
                }
            }
            if (best < 0) {
                pos++;
                continue;
            }
            int o = owner.get(best);
            if (o >= 0) mentions[o]++;
            else offTopic++;
            pos += bestLen;
        }
        int covered = 0, repeats = 0;
        boolean[] mask = new boolean[k];
        for (int i = 0; i < k; i++) {
            if (mentions[i] > 0) {
                covered++;
                mask[i] = true;
                repeats += mentions[i] - 1;
            }
        }
        double r = (double) covered / k - cfg.repeatPenalty() * repeats - cfg.offTopicPenalty() * offTopic
                - cfg.overlongPenalty() * Math.max(0, words.size() - cfg.maxWords())
                - (terminated ? 0 : cfg.truncatedPenalty());
        r = Math.max(0, Math.min(1, r));
        return new Score(r, covered, k, repeats, offTopic, words.size(), !terminated, mask);
    }

    private static void add(List<List<String>> phrases, List<Integer> owner, String text, int who) {
        List<String> w = normalise(text);
        if (!w.isEmpty()) {
            phrases.add(w);
            owner.add(who);
        }
    }

    private static boolean matchesAt(List<String> words, int pos, List<String> phrase) {
        if (pos + phrase.size() > words.size()) return false;
        for (int i = 0; i < phrase.size(); i++) if (!words.get(pos + i).equals(phrase.get(i))) return false;
        return true;
    }

    /** Lower case, letters and digits only (anything else separates words), a trailing plural "s" dropped. */
    public static List<String> normalise(String text) {
        List<String> out = new ArrayList<>();
        for (String w : text.toLowerCase(Locale.ROOT).replace("'", "").split("[^a-z0-9]+")) {
            if (w.isEmpty()) continue;
            if (w.length() > 3 && w.endsWith("s") && !w.endsWith("ss") && !w.endsWith("is") && !w.endsWith("us"))
                w = w.substring(0, w.length() - 1);
            out.add(w);
        }
        return out;
    }
}
