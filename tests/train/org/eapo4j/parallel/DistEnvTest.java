package org.eapo4j.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

class DistEnvTest {
    @Test
    void noVariablesMeansOneProcess() {
        DistEnv e = DistEnv.fromEnvironment(Map.of());
        assertEquals(1, e.worldSize());
        assertEquals(0, e.rank());
        assertNull(e.masterAddr());
        assertEquals(DistEnv.DEFAULT_TIMEOUT, e.timeout());
    }

    @Test
    void torchrunVariablesAreRead() {
        DistEnv e = DistEnv.fromEnvironment(Map.of("RANK", "2", "WORLD_SIZE", "4", "LOCAL_RANK", "0",
                "MASTER_ADDR", "10.0.0.1", "MASTER_PORT", "29500", DistEnv.TIMEOUT_VARIABLE, "2.5"));
        assertEquals(new DistEnv(2, 4, 0, "10.0.0.1", 29500, Duration.ofMillis(2500)), e);
    }

    @Test
    void everyMissingOrBadVariableIsNamed() {
        String m = assertThrows(IllegalArgumentException.class, () -> DistEnv.fromEnvironment(
                Map.of("WORLD_SIZE", "2", "MASTER_PORT", "70000"))).getMessage();
        assertTrue(m.contains("RANK is not set") && m.contains("MASTER_ADDR is not set") && m.contains("MASTER_PORT=70000"), m);
        m = assertThrows(IllegalArgumentException.class, () -> DistEnv.fromEnvironment(Map.of("RANK", "2",
                "WORLD_SIZE", "2", "MASTER_ADDR", "h", "MASTER_PORT", "1"))).getMessage();
        assertTrue(m.contains("RANK=2 must be < WORLD_SIZE=2"), m);
        m = assertThrows(IllegalArgumentException.class, () -> DistEnv.fromEnvironment(Map.of("WORLD_SIZE", "two")))
                .getMessage();
        assertTrue(m.contains("WORLD_SIZE='two'"), m);
        m = assertThrows(IllegalArgumentException.class, () -> DistEnv.fromEnvironment(
                Map.of(DistEnv.TIMEOUT_VARIABLE, "-1"))).getMessage();
        assertTrue(m.contains(DistEnv.TIMEOUT_VARIABLE), m);
    }
}
