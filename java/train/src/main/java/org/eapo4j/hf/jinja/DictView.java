package org.eapo4j.hf.jinja;

import java.util.AbstractList;
import java.util.List;

/**
 * What {@code dict.items()}, {@code keys()} and {@code values()} return: iterable like a list, but printing it (Python
 * shows {@code dict_items([...])}) or comparing it to a list is refused rather than rendered differently.
 */
final class DictView extends AbstractList<Object> {
    final String kind;
    private final List<Object> items;

    DictView(String kind, List<Object> items) {
        this.kind = kind;
        this.items = items;
    }

    @Override
    public Object get(int index) {
        return items.get(index);
    }

    @Override
    public int size() {
        return items.size();
    }
}
