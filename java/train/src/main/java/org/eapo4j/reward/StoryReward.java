package org.eapo4j.reward;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The reward of the story-continuation task (data/stories/README.md), in [-1, 1]:
 * <pre>
 *   r = max(-1,  M / E  -  repeatPenalty * R  -  truncatedPenalty * [truncated]  -  offTopicPenalty * O)
 * </pre>
 * and r = -1 for a completion of fewer than {@code minCompletionWords} words: an empty or near-empty "story" would
 * otherwise dodge every penalty and beat every real attempt that runs past the length limit (RL finds that at once).
 * <ul>
 *   <li>E: the record's {@code elements}; M: how many of them the completion mentions, i.e. its name or any of its
 *       synonyms occurs as
 *       whole words (not inside a longer word), case-insensitively, runs of white space matching any white space.</li>
 *   <li>R: repeated sentences: sentences of the completion (text between {@code . ! ?} or line breaks) that, lower
 *       cased with everything but letters and digits removed (apostrophes dropped, other marks as spaces), equal an
 *       earlier sentence of the prompt or the completion; only sentences of at least {@code minSentenceWords} words
 *       count.</li>
 *   <li>[truncated]: 1 when the completion hit the length limit without an end-of-sequence token.</li>
 *   <li>O: how many of the record's {@code off_topic} items (optional field) the completion mentions, matched like
 *       synonyms.</li>
 * </ul>
 * Only the completion is searched for mentions: the prompt's own words do not count.
 */
public final class StoryReward implements RewardFunction, ElementCoverage {
    /** Penalty weights; {@link #DEFAULT} is what the embedded task uses. */
    public record Config(double repeatPenalty, double truncatedPenalty, double offTopicPenalty, int minSentenceWords,
                         int minCompletionWords) {
        public static final Config DEFAULT = new Config(0.2, 0.3, 0.15, 3, 8);

        /** No minimum completion length. */
        public Config(double repeatPenalty, double truncatedPenalty, double offTopicPenalty, int minSentenceWords) {
            this(repeatPenalty, truncatedPenalty, offTopicPenalty, minSentenceWords, 0);
        }

        public Config {
            check("repeatPenalty", repeatPenalty);
            check("truncatedPenalty", truncatedPenalty);
            check("offTopicPenalty", offTopicPenalty);
            if (minSentenceWords < 1) throw new IllegalArgumentException("minSentenceWords must be >= 1, got " + minSentenceWords);
            if (minCompletionWords < 0)
                throw new IllegalArgumentException("minCompletionWords must be >= 0, got " + minCompletionWords);
        }

        private static void check(String name, double v) {
            if (!Double.isFinite(v) || v < 0) throw new IllegalArgumentException(name + " must be finite and >= 0, got " + v);
        }
    }

    /** Breakdown of one completion's score; {@code mentionedMask[i]} is true when element i was mentioned. */
    public record Score(double reward, int mentioned, int elements, boolean[] mentionedMask, int repeatedSentences,
                        boolean truncated, int offTopic) {
        public double coverage() {
            return (double) mentioned / elements;
        }
    }

    private static final Pattern SENTENCE_END = Pattern.compile("[.!?\\r\\n]+");
    private static final Pattern NOT_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");
    private final Map<String, Pattern> patterns = new ConcurrentHashMap<>();
    private final Config cfg;

    public StoryReward(Config cfg) {
        if (cfg == null) throw new IllegalArgumentException("cfg must not be null");
        this.cfg = cfg;
    }

    public StoryReward() {
        this(Config.DEFAULT);
    }

    public Config config() {
        return cfg;
    }

    @Override
    public double score(Sample s) {
        return breakdown(s).reward();
    }

    public Score breakdown(Sample s) {
        List<List<String>> elements = elements(s);
        List<String> offTopic = s.fields().containsKey("off_topic")
                ? RecordFields.strings(s, s.fields(), "off_topic", "") : List.of();
        String text = s.completion();
        boolean[] mask = mentionedMask(elements, text);
        int mentioned = 0;
        for (boolean m : mask) if (m) mentioned++;
        int off = 0;
        for (String o : offTopic) if (mentions(text, o)) off++;
        int repeats = repeatedSentences(s.prompt(), text, cfg.minSentenceWords());
        double r = (double) mentioned / mask.length - cfg.repeatPenalty() * repeats
                - (s.truncated() ? cfg.truncatedPenalty() : 0) - cfg.offTopicPenalty() * off;
        if (wordCount(text) < cfg.minCompletionWords()) r = -1;
        return new Score(Math.max(-1, r), mentioned, mask.length, mask, repeats, s.truncated(), off);
    }

    /** The record's elements that the completion mentions: {@link Score#mentionedMask()} of its breakdown. */
    @Override
    public boolean[] coveredElements(Sample s) {
        return mentionedMask(elements(s), s.completion());
    }

    private boolean[] mentionedMask(List<List<String>> elements, String text) {
        boolean[] mask = new boolean[elements.size()];
        for (int i = 0; i < mask.length; i++)
            for (String syn : elements.get(i)) if (mentions(text, syn)) mask[i] = true;
        return mask;
    }

    private static int wordCount(String text) {
        String t = NOT_WORD.matcher(text).replaceAll(" ").trim();
        return t.isEmpty() ? 0 : t.split(" ").length;
    }

    /** True when {@code phrase} occurs in {@code text} as whole words, ignoring case. */
    public boolean mentions(String text, String phrase) {
        return patterns.computeIfAbsent(phrase, StoryReward::phrasePattern).matcher(text).find();
    }

    /** Completion sentences that repeat an earlier prompt or completion sentence (see the class comment). */
    public static int repeatedSentences(String prompt, String completion, int minWords) {
        Set<String> seen = new HashSet<>();
        for (String p : SENTENCE_END.split(prompt)) {
            String n = normaliseSentence(p);
            if (!n.isEmpty()) seen.add(n);
        }
        int repeats = 0;
        for (String c : SENTENCE_END.split(completion)) {
            String n = normaliseSentence(c);
            if (n.isEmpty() || n.split(" ").length < minWords) continue;
            if (!seen.add(n)) repeats++;
        }
        return repeats;
    }

    static String normaliseSentence(String s) {
        String lower = s.toLowerCase(Locale.ROOT).replace("'", "").replace("\u2019", "");
        return NOT_WORD.matcher(lower).replaceAll(" ").trim();
    }

    private static Pattern phrasePattern(String phrase) {
        String[] words = phrase.trim().split("\\s+");
        StringBuilder re = new StringBuilder("(?<![\\p{L}\\p{N}])");
        for (int i = 0; i < words.length; i++) re.append(i == 0 ? "" : "\\s+").append(Pattern.quote(words[i]));
        re.append("(?![\\p{L}\\p{N}])");
        return Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    }

    /** Each element's phrases: its name and its synonyms. */
    private static List<List<String>> elements(Sample s) {
        List<?> els = RecordFields.list(s, s.fields(), "elements", "");
        if (els.isEmpty()) throw new IllegalArgumentException(s.describe() + ": 'elements' is empty");
        List<List<String>> out = new ArrayList<>(els.size());
        for (int i = 0; i < els.size(); i++) {
            String where = "elements[" + i + "].";
            Map<?, ?> e = RecordFields.object(s, els.get(i), "elements[" + i + "]");
            String name = RecordFields.text(s, e, "name", where);
            List<String> phrases = new ArrayList<>(List.of(name));
            if (e.containsKey("synonyms")) phrases.addAll(RecordFields.strings(s, e, "synonyms", where));
            out.add(phrases);
        }
        return out;
    }
}
