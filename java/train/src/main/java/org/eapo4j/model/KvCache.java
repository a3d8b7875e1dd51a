package org.eapo4j.model;

import java.util.Arrays;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.eapo4j.tensors.HostTensors;

/**
 * Keys and values of the positions seen so far, one [B, Hkv, T, dh] pair per layer, for any {@link CausalLM}'s
 * incremental decoding. Each layer's keys and values live in a buffer with room for more positions, so a decode step
 * writes its new position in place ({@link #append}) instead of copying the whole cache into a new tensor; the
 * buffer doubles when full ({@link #reserve} sizes it up front). The model fills it during
 * {@code logits(ids, mask, cache)}; the caller owns the cache and closes it when generation ends (which frees every
 * buffer). {@link TransformerLM}'s array-based forward also keeps the key-padding mask of the cached positions here.
 */
public final class KvCache implements AutoCloseable {
    final Tensor[] keys, values;   // [B, Hkv, capacity, dh] buffers, or null before a layer's first append
    boolean[][] real;   // [B][T], TransformerLM's array-based forward only
    int length;
    private int reserved;

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

    /** Sizes the buffers for {@code positions} in all (a generator knows prompt + completion width up front). */
    public void reserve(int positions) {
        reserved = Math.max(reserved, positions);
    }

    /**
     * Writes the keys and values of the {@code k.size(2)} new positions of a layer after the {@link #length()} cached
     * ones and returns views of all of them, [B, Hkv, length + new, dh] (valid until the next append to this layer).
     * Safe inside a {@code PointerScope}: the buffers outlive it.
     */
    public Tensor[] append(int layer, Tensor k, Tensor v) {
        long t = k.size(2), total = length + t;
        if (keys[layer] == null || keys[layer].size(2) < total) grow(layer, k, v, total);
        keys[layer].narrow(2, length, t).copy_(k);
        values[layer].narrow(2, length, t).copy_(v);
        return new Tensor[] {keys[layer].narrow(2, 0, total), values[layer].narrow(2, 0, total)};
    }

    /** New buffers with room for at least {@code total} positions (double the old), the cached positions copied. */
    private void grow(int layer, Tensor k, Tensor v, long total) {
        long old = keys[layer] == null ? 0 : keys[layer].size(2);
        long capacity = Math.max(Math.max(total, reserved), 2 * old);
        Tensor nk = torch.empty(new long[] {k.size(0), k.size(1), capacity, k.size(3)}, k.options(), null);
        Tensor nv = torch.empty(new long[] {v.size(0), v.size(1), capacity, v.size(3)}, v.options(), null);
        if (old > 0) {
            nk.narrow(2, 0, length).copy_(keys[layer].narrow(2, 0, length));
            nv.narrow(2, 0, length).copy_(values[layer].narrow(2, 0, length));
        }
        nk.retainReference();
        nv.retainReference();
        put(layer, nk, nv);
    }

    /** Marks {@code n} more positions as cached (the model calls it once all layers have appended theirs). */
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
                if (idx == null) idx = HostTensors.fromLongs(Arrays.stream(rows).asLongStream().toArray(),
                        rows.length).to(keys[l].device(), ScalarType.Long);
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
