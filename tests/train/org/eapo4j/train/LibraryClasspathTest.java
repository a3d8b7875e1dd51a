package org.eapo4j.train;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * What eapo4j-train must not bring to its users (this module's test classpath holds its dependencies): a plotting
 * library (run plots belong to the CLI, org.eapo4j.report) or a logging backend (the application picks one).
 */
class LibraryClasspathTest {
    @Test
    void noPlottingLibrary() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.knowm.xchart.XYChart"));
    }

    @Test
    void noLoggingBackend() {
        for (String backend : new String[] {"org.slf4j.simple.SimpleLogger", "ch.qos.logback.classic.Logger",
                "org.apache.logging.slf4j.Log4jLogger"})
            assertThrows(ClassNotFoundException.class, () -> Class.forName(backend), backend);
    }
}
