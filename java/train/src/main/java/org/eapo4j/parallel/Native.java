package org.eapo4j.parallel;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;

/** Ownership of long-lived native objects. */
final class Native {
    private Native() {}

    /**
     * Takes {@code p} out of the caller's {@link PointerScope}, if any: the object that stores it frees it in its own
     * {@code close()}, not when a scope around its construction ends.
     */
    static <P extends Pointer> P keep(P p) {
        PointerScope inner = PointerScope.getInnerScope();
        if (inner != null) inner.detach(p);
        return p;
    }
}
