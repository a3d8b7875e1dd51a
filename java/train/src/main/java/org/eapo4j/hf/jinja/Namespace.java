package org.eapo4j.hf.jinja;

import java.util.LinkedHashMap;
import java.util.Map;

/** Jinja2's {@code namespace(...)}: attributes that {@code set ns.attr = value} may change from inside loops. */
final class Namespace {
    final Map<String, Object> attrs = new LinkedHashMap<>();
}
