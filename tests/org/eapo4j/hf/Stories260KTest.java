package org.eapo4j.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.eapo4j.model.CausalLM;
import org.eapo4j.tensors.HostTensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** karpathy's stories260K in the Hugging Face Llama layout against the published facts in its expected.json. */
class Stories260KTest {
    static Path dir;
    static JsonNode expected;

    @BeforeAll
    static void fixture() throws Exception {
        dir = SharedModels.require("stories260K");
        expected = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
    }

    static long[] longs(JsonNode a) {
        long[] r = new long[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asLong();
        return r;
    }

    /** Greedy decoding by full recomputation at each step: the simplest use of logits(ids, mask). */
    @Test
    void greedyFromBosMatchesPublishedContinuation() {
        long[] want = longs(expected.get("greedy_from_bos_ids"));
        try (CausalLM m = HfModels.load(dir); NoGradGuard g = new NoGradGuard()) {
            long[] seq = {1};
            for (int step = 1; step < want.length; step++) {
                try (PointerScope s = new PointerScope()) {
                    Tensor ids = HostTensors.fromLongs(seq, 1, seq.length);
                    Tensor mask = torchOnes(seq.length);
                    Tensor logits = m.logits(ids, mask);
                    float[] last = HostTensors.toFloats(logits.select(1, seq.length - 1));
                    int best = 0;
                    for (int v = 1; v < last.length; v++) if (last[v] > last[best]) best = v;
                    seq = java.util.Arrays.copyOf(seq, seq.length + 1);
                    seq[seq.length - 1] = best;
                }
            }
            assertArrayEquals(want, seq);
        }
    }

    static Tensor torchOnes(int n) {
        long[] a = new long[n];
        java.util.Arrays.fill(a, 1);
        return HostTensors.fromLongs(a, 1, n);
    }
}
