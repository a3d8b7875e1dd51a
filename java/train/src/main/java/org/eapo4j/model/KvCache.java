package org.eapo4j.model;

import org.bytedeco.pytorch.Tensor;

/**
 * Keys and values of the positions seen so far, one [B, Hkv, T, dh] pair per layer, for any {@link CausalLM}'s
 * incremental decoding. The model fills it during {@code logits(ids, mask, cache)}; the caller owns the cache and closes
 * it when generation ends (which frees every stored tensor). {@link TransformerLM}'s array-based forward also keeps
 * the key-padding mask of the cached positions here.
 */
public final class KvCache implements AutoCloseable {
    final Tensor[] keys, values;
    boolean[][] real;   // [B][T], TransformerLM's array-based forward only
    int length;

    public KvCache(int layers) {
        keys = new Tensor[layers];
        values = new Tensor[layers];
    }

    /** Positions cached so far. */
    public int length() {
        return length;
    }

    public int layers() {
        return keys.length;
    }

    /** The cached keys of a layer (a handle the cache owns), or null before the first call. */
    public Tensor key(int layer) {
        return keys[layer];
    }

    public Tensor value(int layer) {
        return values[layer];
    }

    /**
     * Replaces a layer's keys and values with (contiguous copies of) {@code k} and {@code v}, which cover every
     * position so far. Safe inside a {@code PointerScope}: the stored tensors outlive it.
     */
    public void store(int layer, Tensor k, Tensor v) {
        Tensor kk = k.contiguous(), vv = v.contiguous();
        kk.retainReference();
        vv.retainReference();
        put(layer, kk, vv);
    }

    /** Marks {@code n} more positions as cached (the model calls it once all layers have stored theirs). */
    public void advance(int n) {
        if (n < 0) throw new IllegalArgumentException("n must be >= 0");
        length += n;
    }

    void put(int layer, Tensor k, Tensor v) {
        if (keys[layer] != null) keys[layer].close();
        if (values[layer] != null) values[layer].close();
        keys[layer] = k;
        values[layer] = v;
    }

    @Override
    public void close() {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) keys[i].close();
            if (values[i] != null) values[i].close();
            keys[i] = values[i] = null;
        }
    }
}
