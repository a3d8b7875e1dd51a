package org.eapo4j.data;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The fact corpus of the medqa warm-up: sentences that each state one fact of one question, for every question of
 * every given data set (train and held-out), standing in for what a pretrained model would have read. A sentence
 * pairs the question's words with ONE of its key points, in one of its phrasings, inside a frame that is not the
 * answer format: {@code "<question> <phrase> is one of them ."} or {@code "<question> one of them is <phrase> ."},
 * with no {@code <sep>}. So the facts of a held-out question are known before RL, while answering it (a {@code <sep>}
 * then a list of several key points) is only ever practised on train questions.
 *
 * <p>The question comes first because a causal model learns to continue, not to invert: a fact stated as "X is one
 * of the answers to Q" would not help it produce X after Q.
 */
public final class FactCorpus {
    /** The frames' own words; {@link WordTokenizer#build} adds them to the vocabulary. */
    public static final String FRAME_WORDS = "is one of them .";

    private final List<String> sentences;

    private FactCorpus(List<String> sentences) {
        this.sentences = List.copyOf(sentences);
    }

    /** Every (question, key point, phrasing, frame) of the data sets, in file order: the same data, the same corpus. */
    public static FactCorpus of(Collection<QaDataset> sets) {
        List<String> out = new ArrayList<>();
        for (QaDataset d : sets)
            for (QaItem it : d.items())
                for (KeyPoint kp : it.keyPoints())
                    for (String phrase : kp.synonyms()) {
                        out.add(it.question() + " " + phrase + " is one of them .");
                        out.add(it.question() + " one of them is " + phrase + " .");
                    }
        return new FactCorpus(out);
    }

    public List<String> sentences() {
        return sentences;
    }

    public int size() {
        return sentences.size();
    }
}
