package org.eapo4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.Test;

/**
 * The cache's in-place buffers against plain concatenation: appends that outgrow the buffer (it doubles), a reserved
 * buffer, and dropping rows keep exactly the keys and values that torch.cat of the appended parts would hold.
 */
class KvCacheTest {
    @Test
    void appendsEqualConcatenationAcrossGrowthAndRowDrops() {
        for (int reserve : new int[] {0, 16}) {
            try (PointerScope scope = new PointerScope(); KvCache cache = new KvCache(1)) {
                cache.reserve(reserve);
                Tensor allK = null, allV = null;
                int[] widths = {3, 1, 1, 2, 1, 4};
                for (int step = 0; step < widths.length; step++) {
                    long rows = step <= 3 ? 3 : 2;
                    Tensor k = torch.randn(rows, 2, widths[step], 4), v = torch.randn(rows, 2, widths[step], 4);
                    allK = allK == null ? k : torch.cat(new TensorVector(allK, k), 2);
                    allV = allV == null ? v : torch.cat(new TensorVector(allV, v), 2);
                    Tensor[] got = cache.append(0, k, v);
                    cache.advance(widths[step]);
                    assertArrayEquals(HostTensors.toFloats(allK), HostTensors.toFloats(got[0].contiguous()),
                            "keys after append " + step + ", reserve " + reserve);
                    assertArrayEquals(HostTensors.toFloats(allV), HostTensors.toFloats(got[1].contiguous()));
                    if (step == 3) {   // rows 0 and 2 go on
                        cache.keepRows(new int[] {0, 2});
                        Tensor idx = HostTensors.fromLongs(new long[] {0, 2}, 2);
                        allK = allK.index_select(0, idx);
                        allV = allV.index_select(0, idx);
                    }
                }
                assertEquals(12, cache.length());
            }
        }
    }
}
