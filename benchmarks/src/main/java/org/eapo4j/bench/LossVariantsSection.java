package org.eapo4j.bench;

/**
 * The "Loss variants" section of docs/BENCHMARKS.md (figures of {@link PolicyLossVariantsBenchmark}, recorded with
 * the JMH command written in it) lives between these markers, so that {@link BenchmarkReport} keeps it when it
 * regenerates the rest of the document.
 */
final class LossVariantsSection {
    static final String BEGIN = "<!-- BEGIN loss-variants (benchmarks/jmh.sh PolicyLossVariantsBenchmark) -->";
    static final String END = "<!-- END loss-variants -->";

    private LossVariantsSection() {}

    static String section(String doc) {
        int b = doc.indexOf(BEGIN), e = doc.indexOf(END);
        return b >= 0 && e > b ? doc.substring(b, e + END.length()) : "";
    }

    static String splice(String doc, String section) {
        int b = doc.indexOf(BEGIN), e = doc.indexOf(END);
        if (b >= 0 && e > b) return doc.substring(0, b) + section + doc.substring(e + END.length());
        return doc + (doc.endsWith("\n\n") ? "" : doc.endsWith("\n") ? "\n" : "\n\n") + section + "\n";
    }
}
