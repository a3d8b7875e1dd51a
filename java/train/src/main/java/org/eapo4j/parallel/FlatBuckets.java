package org.eapo4j.parallel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Packs tensors (by element count, in order) into flat buckets of at most {@code capacity} elements; a tensor larger
 * than a bucket gets a bucket of its own, so that every tensor lies whole in one bucket.
 */
final class FlatBuckets {
    /** Where tensor {@code index} lies: elements [offset, offset + numel) of bucket {@code bucket}. */
    record Slot(int index, int bucket, long offset, long numel) {}

    private final List<List<Slot>> buckets = new ArrayList<>();
    private final List<Long> sizes = new ArrayList<>();

    FlatBuckets(long[] numels, long capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be >= 1 element, got " + capacity);
        List<Slot> current = new ArrayList<>();
        long filled = 0;
        for (int i = 0; i < numels.length; i++) {
            long n = numels[i];
            if (n < 0) throw new IllegalArgumentException("numels[" + i + "] is negative");
            if (!current.isEmpty() && filled + n > capacity) {
                add(current, filled);
                current = new ArrayList<>();
                filled = 0;
            }
            current.add(new Slot(i, buckets.size(), filled, n));
            filled += n;
        }
        if (!current.isEmpty()) add(current, filled);
    }

    private void add(List<Slot> slots, long size) {
        buckets.add(Collections.unmodifiableList(slots));
        sizes.add(size);
    }

    int count() {
        return buckets.size();
    }

    /** Elements of bucket {@code b}. */
    long size(int b) {
        return sizes.get(b);
    }

    List<Slot> slots(int b) {
        return buckets.get(b);
    }
}
