package org.eapo4j.model;

/**
 * Text to token ids and back, as the trainer needs it. The built-in word tokenizer and {@code org.eapo4j.hf.HfTokenizer}
 * implement it.
 */
public interface Tokenizer {
    /** Ids of {@code text}, with the special tokens this tokenizer adds (e.g. BOS for Llama). */
    long[] encode(String text);

    /** Text of {@code ids}, special tokens skipped. */
    String decode(long[] ids);

    int vocabSize();

    /** Ids that end a completion (at least one). */
    long[] eosIds();

    /** The id used to pad rows (any id the model accepts; padded positions are masked). */
    long padId();
}
