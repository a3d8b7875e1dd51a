package org.eapo4j.data;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A word-level tokenizer built from the data: lower-cased words (letters, digits, inner apostrophes and hyphens)
 * and single punctuation marks are tokens. Ids 0..4 are the special tokens; the rest are the sorted words, so the
 * same data always gives the same ids.
 */
public final class WordTokenizer {
    public static final String PAD = "<pad>", BOS = "<bos>", SEP = "<sep>", EOA = "<eoa>", UNK = "<unk>";
    public static final int PAD_ID = 0, BOS_ID = 1, SEP_ID = 2, EOA_ID = 3, UNK_ID = 4;
    private static final Pattern WORD = Pattern.compile("[a-z0-9]+(?:['\\-][a-z0-9]+)*|[^\\sa-z0-9]");

    private final List<String> vocab;
    private final Map<String, Integer> ids = new HashMap<>();

    /** A tokenizer over an explicit vocabulary whose first five entries are the special tokens. */
    public WordTokenizer(List<String> vocab) {
        if (vocab.size() < 5 || !vocab.get(PAD_ID).equals(PAD) || !vocab.get(BOS_ID).equals(BOS)
                || !vocab.get(SEP_ID).equals(SEP) || !vocab.get(EOA_ID).equals(EOA) || !vocab.get(UNK_ID).equals(UNK))
            throw new IllegalArgumentException("vocabulary must start with <pad>, <bos>, <sep>, <eoa>, <unk>");
        this.vocab = List.copyOf(vocab);
        for (int i = 0; i < this.vocab.size(); i++)
            if (ids.put(this.vocab.get(i), i) != null)
                throw new IllegalArgumentException("duplicate vocabulary entry '" + this.vocab.get(i) + "'");
    }

    /**
     * Builds the vocabulary from every question, reference answer, key-point synonym and off-topic item, and the
     * words of the fact corpus's frames ({@link FactCorpus#FRAME_WORDS}).
     */
    public static WordTokenizer build(Collection<QaDataset> sets) {
        TreeSet<String> words = new TreeSet<>(split(FactCorpus.FRAME_WORDS));
        for (QaDataset d : sets)
            for (QaItem it : d.items()) {
                words.addAll(split(it.question()));
                words.addAll(split(it.referenceAnswer()));
                for (KeyPoint kp : it.keyPoints()) {
                    words.addAll(split(kp.name()));
                    for (String s : kp.synonyms()) words.addAll(split(s));
                }
                for (String s : it.offTopic()) words.addAll(split(s));
            }
        List<String> v = new ArrayList<>(List.of(PAD, BOS, SEP, EOA, UNK));
        v.addAll(words);
        return new WordTokenizer(v);
    }

    /** Lower-cased word and punctuation pieces of a text. */
    public static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = WORD.matcher(text.toLowerCase(java.util.Locale.ROOT));
        while (m.find()) out.add(m.group());
        return out;
    }

    public int size() {
        return vocab.size();
    }

    public List<String> vocabulary() {
        return vocab;
    }

    public int id(String token) {
        return ids.getOrDefault(token, UNK_ID);
    }

    public String token(int id) {
        return vocab.get(id);
    }

    public int[] encode(String text) {
        List<String> w = split(text);
        int[] out = new int[w.size()];
        for (int i = 0; i < out.length; i++) out[i] = id(w.get(i));
        return out;
    }

    /** {@code <bos> question <sep>}: what the policy is conditioned on. */
    public int[] encodePrompt(String question) {
        int[] q = encode(question);
        int[] out = new int[q.length + 2];
        out[0] = BOS_ID;
        System.arraycopy(q, 0, out, 1, q.length);
        out[q.length + 1] = SEP_ID;
        return out;
    }

    /** The answer followed by {@code <eoa>}: the teacher-forcing target of the warm-up. */
    public int[] encodeAnswer(String answer) {
        int[] a = encode(answer);
        int[] out = new int[a.length + 1];
        System.arraycopy(a, 0, out, 0, a.length);
        out[a.length] = EOA_ID;
        return out;
    }

    /** Text of a response: stops at {@code <eoa>}, drops padding, attaches punctuation to the previous word. */
    public String decode(int[] tokens) {
        StringBuilder sb = new StringBuilder();
        for (int t : tokens) {
            if (t == EOA_ID) break;
            if (t == PAD_ID || t == BOS_ID || t == SEP_ID) continue;
            String w = vocab.get(t);
            boolean punct = w.length() == 1 && !Character.isLetterOrDigit(w.charAt(0));
            if (sb.length() > 0 && !punct) sb.append(' ');
            sb.append(w);
        }
        return sb.toString();
    }

    /**
     * This tokenizer as the trainer's {@link org.eapo4j.model.Tokenizer}: a prompt is encoded as
     * {@code <bos> words <sep>} ({@link #encodePrompt}), a completion as plain words, {@code <eoa>} ends a
     * completion, {@code <pad>} pads.
     */
    public View asTokenizer() {
        return new View(this);
    }

    /** A {@link WordTokenizer} as the trainer's tokenizer ({@link #asTokenizer()}); {@link #words()} is the original. */
    public static final class View implements org.eapo4j.model.Tokenizer {
        private final WordTokenizer w;

        private View(WordTokenizer w) {
            this.w = w;
        }

        /** The word tokenizer behind this view (its vocabulary goes into built-in-model checkpoints). */
        public WordTokenizer words() {
            return w;
        }

        @Override
        public long[] encode(String text) {
            return longs(w.encodePrompt(text));
        }

        @Override
        public long[] encodeCompletion(String text) {
            return longs(w.encode(text));
        }

        @Override
        public String decode(long[] ids) {
            int[] t = new int[ids.length];
            for (int i = 0; i < ids.length; i++) t[i] = Math.toIntExact(ids[i]);
            return w.decode(t);
        }

        @Override
        public int vocabSize() {
            return w.size();
        }

        @Override
        public long[] eosIds() {
            return new long[] {EOA_ID};
        }

        @Override
        public long padId() {
            return PAD_ID;
        }

        @Override
        public long bosId() {
            return BOS_ID;
        }
    }

    private static long[] longs(int[] a) {
        long[] r = new long[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[i];
        return r;
    }
}
