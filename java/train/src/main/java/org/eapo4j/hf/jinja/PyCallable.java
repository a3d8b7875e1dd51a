package org.eapo4j.hf.jinja;

import java.util.List;
import java.util.Map;

/** Something a template can call: a global function, a macro, or a bound method of a value. */
interface PyCallable {
    Object call(List<Object> args, Map<String, Object> kwargs);

    /** The name for messages, e.g. "str.split" or "macro 'render'". */
    String name();
}
