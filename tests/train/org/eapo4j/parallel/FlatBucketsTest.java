package org.eapo4j.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

class FlatBucketsTest {
    @Test
    void smallTensorsShareABucketAndALargeOneGetsItsOwn() {
        FlatBuckets b = new FlatBuckets(new long[] {3, 4, 20, 5, 6, 1}, 10);
        assertEquals(4, b.count());
        assertEquals(List.of(new FlatBuckets.Slot(0, 0, 0, 3), new FlatBuckets.Slot(1, 0, 3, 4)), b.slots(0));
        assertEquals(List.of(new FlatBuckets.Slot(2, 1, 0, 20)), b.slots(1));
        assertEquals(List.of(new FlatBuckets.Slot(3, 2, 0, 5)), b.slots(2));   // 5 + 6 > 10
        assertEquals(List.of(new FlatBuckets.Slot(4, 3, 0, 6), new FlatBuckets.Slot(5, 3, 6, 1)), b.slots(3));
        assertEquals(7, b.size(0));
        assertEquals(20, b.size(1));
        assertEquals(7, b.size(3));
        assertEquals(0, new FlatBuckets(new long[0], 10).count());
    }
}
