package org.eapo4j.model;

import org.bytedeco.pytorch.Tensor;

/**
 * Keys and values of the positions seen so far, one [B, H, T, dh] pair per layer, plus the key-padding mask
 * (true = a real token) of those positions. Owned by the caller: close it when generation ends.
 */
public final class KvCache implements AutoCloseable {
    final Tensor[] keys, values;
    boolean[][] real;   // [B][T]
    int length;

    public KvCache(int layers) {
        keys = new Tensor[layers];
        values = new Tensor[layers];
    }

    public int length() {
        return length;
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
