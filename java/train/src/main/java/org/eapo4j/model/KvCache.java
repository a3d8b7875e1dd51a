package org.eapo4j.model;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.tensors.HostTensors;

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

    /**
     * Keeps only the batch rows {@code rows} (ascending indices of the current rows), dropping the others' keys and
     * values: a generator calls it when rows finish, so later steps compute the unfinished rows only.
     */
    public void keepRows(int[] rows) {
        if (rows.length == 0) throw new IllegalArgumentException("rows: keep at least one");
        try (PointerScope scope = new PointerScope()) {
            Tensor idx = null;
            for (int l = 0; l < keys.length; l++) {
                if (keys[l] == null) continue;
                if (idx == null) idx = HostTensors.fromLongs(longs(rows), rows.length).to(keys[l].device(),
                        ScalarType.Long);
                Tensor k = keys[l].index_select(0, idx), v = values[l].index_select(0, idx);
                k.retainReference();
                v.retainReference();
                put(l, k, v);
            }
        }
        if (real != null) {
            boolean[][] kept = new boolean[rows.length][];
            for (int i = 0; i < rows.length; i++) kept[i] = real[rows[i]];
            real = kept;
        }
    }

    private static long[] longs(int[] a) {
        long[] r = new long[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[i];
        return r;
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
