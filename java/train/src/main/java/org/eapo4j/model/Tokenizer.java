package org.eapo4j.model;

/**
 * Text to token ids and back, as the trainer needs it. The built-in word tokenizer and {@code org.eapo4j.hf.HfTokenizer}
 * implement it.
 */
public interface Tokenizer {
    /** Ids of {@code text}, with the special tokens this tokenizer adds (e.g. BOS for Llama). */
    long[] encode(String text);

    /**
     * Ids of {@code text} as the continuation of a prompt (a reference completion for supervised steps): no special
     * tokens added. Defaults to {@link #encode}; tokenizers that add a BOS override it.
     */
    default long[] encodeCompletion(String text) {
        return encode(text);
    }

    /** Text of {@code ids}, special tokens skipped. */
    String decode(long[] ids);

    int vocabSize();

    /** Ids that end a completion (at least one). */
    long[] eosIds();

    /** The id used to pad rows (any id the model accepts; padded positions are masked). */
    long padId();

    /** The id that starts a text (e.g. Llama's {@code <s>}), or -1 when the tokenizer has none. */
    default long bosId() {
        return -1;
    }
}
