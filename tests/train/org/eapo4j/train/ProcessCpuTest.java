package org.eapo4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Parsing /proc/PID/stat by proc(5)'s field numbers, and the step record's fields. */
class ProcessCpuTest {
    @Test
    void readsMinorFaultsUserAndSystemTimeAfterACommandWithSpacesAndParentheses() {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
        String line = "4242 (java (main) x) S 1 4242 4242 0 -1 4194304 123456 0 7 0 2513 388 0 0 20 0 34 0 99 "
                + "1234567 89 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        ProcessCpu.Sample s = ProcessCpu.parse(line);
        assertEquals(123456, s.minorFaults());
        assertEquals(25.13, s.userSeconds(), 1e-9);
        assertEquals(3.88, s.systemSeconds(), 1e-9);
    }

    @Test
    void aStepRecordGetsTheDifferences() {
        Map<String, Object> m = new LinkedHashMap<>();
        ProcessCpu.put(m, new ProcessCpu.Sample(1.5, 0.25, 100), new ProcessCpu.Sample(4.0, 0.75, 350));
        assertEquals(2.5, (Double) m.get("cpu_user_s"), 1e-12);
        assertEquals(0.5, (Double) m.get("cpu_sys_s"), 1e-12);
        assertEquals(250L, m.get("minor_page_faults"));
        Map<String, Object> none = new LinkedHashMap<>();
        ProcessCpu.put(none, ProcessCpu.Sample.NONE, ProcessCpu.now());
        assertTrue(none.isEmpty(), "no figures where /proc could not be read");
    }
}
