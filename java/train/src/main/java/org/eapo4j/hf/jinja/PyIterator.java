package org.eapo4j.hf.jinja;

import java.util.List;
import java.util.function.Supplier;

/**
 * A Python generator, as Jinja2's {@code map}, {@code select}, {@code reject}, {@code selectattr},
 * {@code rejectattr} and {@code items} filters return: always true, no length, consumed by iterating (a second loop
 * over it sees nothing), computed only when first consumed (so its errors come then, as a generator's do), and
 * printing it is refused (Python would print its address).
 */
final class PyIterator {
    private Supplier<List<Object>> source;
    private List<Object> items;
    private int pos;

    PyIterator(List<Object> items) {
        this.items = items;
    }

    PyIterator(Supplier<List<Object>> source) {
        this.source = source;
    }

    private List<Object> items() {
        if (items == null) {
            items = source.get();
            source = null;
        }
        return items;
    }

    /** The items not yet consumed, consuming them. */
    List<Object> drain() {
        List<Object> rest = items().subList(pos, items().size());
        pos = items().size();
        return rest;
    }

    /** The next item, consuming it, or null when exhausted (callers check {@link #hasNext()}). */
    Object next() {
        return items().get(pos++);
    }

    boolean hasNext() {
        return pos < items().size();
    }
}
