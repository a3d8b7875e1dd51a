package org.eapo4j.train;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The process peak survives the per-phase resets: after 256 MB were touched, reset by {@link ResidentMemory#takePeak}
 * and freed, the kernel's own high-water mark no longer shows them, {@link ResidentMemory#processPeak} still does.
 */
class ResidentMemoryTest {
    static final double BYTES = 256e6;

    @Test
    void processPeakKeepsWhatAResetHid() {
        double before = ResidentMemory.current();
        assumeFalse(Double.isNaN(before) || Double.isNaN(ResidentMemory.takePeak()), "needs Linux's /proc");
        double peakWhileHeld;
        try (Tensor t = torch.ones((long) (BYTES / 4))) {   // float32, every page written
            peakWhileHeld = ResidentMemory.takePeak();       // resets the high-water mark to what is resident now
        }
        ResidentMemory.takePeak();                              // and again, with the tensor freed
        assertTrue(peakWhileHeld >= before + 0.9 * BYTES, "the held tensor shows in the phase's peak");
        assertTrue(ResidentMemory.processPeak() >= peakWhileHeld, "the process peak keeps it after two resets");
    }
}
